using System.Runtime.Intrinsics;
using NativeBn.Kernels.Operators;
using NativeBn.Model;

namespace NativeBn.Kernels;

/// <summary>
/// A depthwise convolution of any window, computed on <see cref="ChannelBlocks"/> of 8 channels: a block's input planes
/// are transposed into one zero-padded plane of 8-channel vectors; every output of the block is then its bias plus one
/// vector multiply-add per tap in kernel order, and the outputs are transposed back into planes. Channels past the last whole block are
/// computed one at a time with the same fused multiply-adds in the same order (padding taps included, as zeros), so a
/// channel's result does not depend on the block or thread that computes it. Needs AVX2 and FMA.
/// </summary>
internal sealed class DepthwiseInterleaved : IDepthwiseKernel
{
    private const int Lanes = ChannelBlocks.Lanes;

    private readonly ChannelBlocks _blocks;
    private readonly int _height, _width;

    /// <summary>The kernel for <paramref name="window"/> on <paramref name="height"/> x <paramref name="width"/> planes.</summary>
    public DepthwiseInterleaved(Window2d window, int height, int width)
    {
        _blocks = new ChannelBlocks(window, height, width, ceilMode: false);
        (_height, _width) = (height, width);
    }

    /// <inheritdoc />
    public long ScratchLength => _blocks.ScratchLength;

    /// <summary>
    /// Each whole block's weights as <c>[taps, 8]</c> (a vector of the block's 8 channels per tap) in the block's place;
    /// the channels past the last whole block as they are.
    /// </summary>
    public void LayOut(ReadOnlySpan<float> weights, Span<float> laidOut)
    {
        int taps = _blocks.TapAt.Length, channels = weights.Length / taps, whole = channels / Lanes * Lanes;
        weights.CopyTo(laidOut);
        for (int c = 0; c < whole; c++)
        {
            for (int t = 0; t < taps; t++)
            {
                laidOut[(c / Lanes * taps + t) * Lanes + c % Lanes] = weights[c * taps + t];
            }
        }
    }

    /// <inheritdoc />
    public int ChannelBlock => Lanes;

    /// <inheritdoc />
    public void Run(ReadOnlySpan<float> x, Span<float> y, int channels, int firstChannel, float[] weights, float[] bias, Activation activation, Span<float> scratch)
    {
        ChannelBlocks blocks = _blocks;
        int taps = blocks.TapAt.Length, plane = _height * _width, outputPlane = blocks.OutputHeight * blocks.OutputWidth;
        if (x.Length < (long)channels * plane || y.Length < (long)channels * outputPlane || scratch.Length < ScratchLength
            || weights.Length < (firstChannel + channels) * (long)taps || bias.Length < firstChannel + channels)
        {
            throw new ArgumentException(
                $"Depthwise planes of {channels} channels of {_height}x{_width} need {(long)channels * plane} values and {ScratchLength} floats of scratch.");
        }

        if (firstChannel % Lanes != 0 || (channels % Lanes != 0 && (firstChannel + channels) * taps != weights.Length))
        {
            throw new ArgumentException(
                $"Channels [{firstChannel}, {firstChannel + channels}) do not start a block of {Lanes} or end the layer's {weights.Length / taps} channels.");
        }

        blocks.Prepare(scratch, 0f);
        int whole = channels / Lanes * Lanes;
        for (int c = 0; c < whole; c += Lanes)
        {
            ReadOnlySpan<float> blockWeights = weights.AsSpan((firstChannel + c) * taps, taps * Lanes);
            var op = new BlockTaps(blockWeights, Vector256.LoadUnsafe(ref bias[firstChannel + c]), activation);
            blocks.Run(x.Slice(c * plane, Lanes * plane), y.Slice(c * outputPlane, Lanes * outputPlane), scratch, ref op);
        }

        for (int c = whole; c < channels; c++)
        {
            Single(x.Slice(c * plane, plane), y.Slice(c * outputPlane, outputPlane), weights.AsSpan((firstChannel + c) * taps, taps), bias[firstChannel + c], activation);
        }
    }

    /// <summary>One channel alone, with the same multiply-adds in the same order as a lane of a block.</summary>
    private void Single(ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<float> weights, float bias, Activation activation)
    {
        Window2d w = _blocks.Window;
        for (int i = 0, q = 0; i < _blocks.OutputHeight; i++)
        {
            for (int j = 0; j < _blocks.OutputWidth; j++, q++)
            {
                float sum = bias;
                for (int r = 0; r < w.KernelHeight; r++)
                {
                    int row = i * w.StrideHeight - w.PadTop + r * w.DilationHeight;
                    for (int s = 0; s < w.KernelWidth; s++)
                    {
                        int column = j * w.StrideWidth - w.PadLeft + s * w.DilationWidth;
                        float value = (uint)row < (uint)_height && (uint)column < (uint)_width ? x[row * _width + column] : 0f;
                        sum = MathF.FusedMultiplyAdd(value, weights[r * w.KernelWidth + s], sum);
                    }
                }

                y[q] = activation.IsSet ? MathF.Min(MathF.Max(sum, activation.Low), activation.High) : sum;
            }
        }
    }
}
