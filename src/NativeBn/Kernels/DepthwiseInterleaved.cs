using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using NativeBn.Model;

namespace NativeBn.Kernels;

/// <summary>
/// A depthwise convolution of any window, computed on blocks of 8 channels: a block's input planes are transposed, 8x8
/// values at a time, into one zero-padded plane of 8-channel vectors; every output of the block is then its bias plus one
/// vector multiply-add per tap in kernel order, and the outputs are transposed back into planes. With the channels in the
/// lanes no lane is wasted and no edge needs a mask, however small the plane. Channels past the last whole block are
/// computed one at a time with the same fused multiply-adds in the same order (padding taps included, as zeros), so a
/// channel's result does not depend on the block or thread that computes it. Needs AVX2 and FMA.
/// </summary>
internal sealed class DepthwiseInterleaved : IDepthwiseKernel
{
    private const int Lanes = 8;

    private readonly Window2d _window;
    private readonly int _height, _width, _outputHeight, _outputWidth, _paddedWidth, _paddedLength;
    private readonly int[] _inputAt, _tapAt;

    /// <summary>The kernel for <paramref name="window"/> on <paramref name="height"/> x <paramref name="width"/> planes.</summary>
    public DepthwiseInterleaved(Window2d window, int height, int width)
    {
        (_window, _height, _width) = (window, height, width);
        (_outputHeight, _outputWidth) = (window.OutputHeight(height), window.OutputWidth(width));
        long rows = Math.Max((long)height + window.PadTop + window.PadBottom,
            (long)(_outputHeight - 1) * window.StrideHeight + (long)(window.KernelHeight - 1) * window.DilationHeight + 1);
        long columns = Math.Max((long)width + window.PadLeft + window.PadRight,
            (long)(_outputWidth - 1) * window.StrideWidth + (long)(window.KernelWidth - 1) * window.DilationWidth + 1);
        _paddedWidth = checked((int)columns);
        _paddedLength = checked((int)(rows * columns * Lanes));
        _inputAt = new int[checked(height * width)];
        for (int i = 0, p = 0; i < height; i++)
        {
            for (int j = 0; j < width; j++, p++)
            {
                _inputAt[p] = ((i + window.PadTop) * _paddedWidth + j + window.PadLeft) * Lanes;
            }
        }

        _tapAt = new int[window.KernelHeight * window.KernelWidth];
        for (int r = 0; r < window.KernelHeight; r++)
        {
            for (int s = 0; s < window.KernelWidth; s++)
            {
                _tapAt[r * window.KernelWidth + s] = (r * window.DilationHeight * _paddedWidth + s * window.DilationWidth) * Lanes;
            }
        }

        ScratchLength = checked(_paddedLength + (long)_outputHeight * _outputWidth * Lanes);
    }

    /// <summary>Whether this CPU runs the kernel (AVX2 and FMA, 256-bit vectors accelerated).</summary>
    public static bool Fits => Avx2.IsSupported && Fma.IsSupported && Vector256.IsHardwareAccelerated;

    /// <inheritdoc />
    public long ScratchLength { get; }

    /// <inheritdoc />
    public int ChannelBlock => Lanes;

    /// <inheritdoc />
    public void Run(ReadOnlySpan<float> x, Span<float> y, int channels, int firstChannel, float[] weights, float[] bias, Activation activation, Span<float> scratch)
    {
        int taps = _tapAt.Length, plane = _height * _width, outputPlane = _outputHeight * _outputWidth;
        if (x.Length < (long)channels * plane || y.Length < (long)channels * outputPlane || scratch.Length < ScratchLength
            || weights.Length < (firstChannel + channels) * (long)taps || bias.Length < firstChannel + channels)
        {
            throw new ArgumentException(
                $"Depthwise planes of {channels} channels of {_height}x{_width} need {(long)channels * plane} values and {ScratchLength} floats of scratch.");
        }

        Span<float> padded = scratch[.._paddedLength];
        Span<float> result = scratch.Slice(_paddedLength, outputPlane * Lanes);
        padded.Clear();
        Span<float> blockWeights = stackalloc float[taps * Lanes];
        int whole = channels / Lanes * Lanes;
        for (int c = 0; c < whole; c += Lanes)
        {
            for (int t = 0; t < taps; t++)
            {
                for (int v = 0; v < Lanes; v++)
                {
                    blockWeights[t * Lanes + v] = weights[(firstChannel + c + v) * taps + t];
                }
            }

            Interleave(x.Slice(c * plane, Lanes * plane), padded);
            Compute(padded, blockWeights, Vector256.LoadUnsafe(ref bias[firstChannel + c]), result, activation);
            Deinterleave(result, y.Slice(c * outputPlane, Lanes * outputPlane));
        }

        for (int c = whole; c < channels; c++)
        {
            Single(x.Slice(c * plane, plane), y.Slice(c * outputPlane, outputPlane), weights.AsSpan((firstChannel + c) * taps, taps), bias[firstChannel + c], activation);
        }
    }

    /// <summary>The 8 planes of <paramref name="x"/> into the padded plane of 8-channel vectors (its borders stay zero).</summary>
    private void Interleave(ReadOnlySpan<float> x, Span<float> padded)
    {
        int plane = _height * _width, whole = plane / Lanes * Lanes;
        ref float source = ref MemoryMarshal.GetReference(x);
        ref float target = ref MemoryMarshal.GetReference(padded);
        ref int at = ref MemoryMarshal.GetArrayDataReference(_inputAt);
        for (int p = 0; p < whole; p += Lanes)
        {
            Transpose(
                Vector256.LoadUnsafe(ref source, (nuint)p), Vector256.LoadUnsafe(ref source, (nuint)(plane + p)),
                Vector256.LoadUnsafe(ref source, (nuint)(2 * plane + p)), Vector256.LoadUnsafe(ref source, (nuint)(3 * plane + p)),
                Vector256.LoadUnsafe(ref source, (nuint)(4 * plane + p)), Vector256.LoadUnsafe(ref source, (nuint)(5 * plane + p)),
                Vector256.LoadUnsafe(ref source, (nuint)(6 * plane + p)), Vector256.LoadUnsafe(ref source, (nuint)(7 * plane + p)),
                out var o0, out var o1, out var o2, out var o3, out var o4, out var o5, out var o6, out var o7);
            o0.StoreUnsafe(ref target, (nuint)Unsafe.Add(ref at, p));
            o1.StoreUnsafe(ref target, (nuint)Unsafe.Add(ref at, p + 1));
            o2.StoreUnsafe(ref target, (nuint)Unsafe.Add(ref at, p + 2));
            o3.StoreUnsafe(ref target, (nuint)Unsafe.Add(ref at, p + 3));
            o4.StoreUnsafe(ref target, (nuint)Unsafe.Add(ref at, p + 4));
            o5.StoreUnsafe(ref target, (nuint)Unsafe.Add(ref at, p + 5));
            o6.StoreUnsafe(ref target, (nuint)Unsafe.Add(ref at, p + 6));
            o7.StoreUnsafe(ref target, (nuint)Unsafe.Add(ref at, p + 7));
        }

        for (int p = whole; p < plane; p++)
        {
            for (int v = 0; v < Lanes; v++)
            {
                Unsafe.Add(ref target, Unsafe.Add(ref at, p) + v) = Unsafe.Add(ref source, v * plane + p);
            }
        }
    }

    /// <summary>
    /// Every output of a block: the bias, then one multiply-add per tap in kernel order, then the activation; four
    /// neighbouring outputs of a row at a time, so that four sums are in flight and each tap's weights load once for them.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Compute(ReadOnlySpan<float> padded, ReadOnlySpan<float> weights, Vector256<float> bias, Span<float> result, Activation activation)
    {
        Window2d w = _window;
        int taps = _tapAt.Length;
        nint step = (nint)w.StrideWidth * Lanes;
        ref float source = ref MemoryMarshal.GetReference(padded);
        ref float weight = ref MemoryMarshal.GetReference(weights);
        ref float target = ref MemoryMarshal.GetReference(result);
        ref int tapAt = ref MemoryMarshal.GetArrayDataReference(_tapAt);
        Vector256<float> low = Vector256.Create(activation.Low), high = Vector256.Create(activation.High);
        bool clamp = activation.IsSet;
        for (int i = 0; i < _outputHeight; i++)
        {
            ref float row = ref Unsafe.Add(ref source, (nint)i * w.StrideHeight * _paddedWidth * Lanes);
            ref float output = ref Unsafe.Add(ref target, (nint)i * _outputWidth * Lanes);
            int j = 0;
            for (; j + 4 <= _outputWidth; j += 4)
            {
                ref float window = ref Unsafe.Add(ref row, j * step);
                Vector256<float> s0 = bias, s1 = bias, s2 = bias, s3 = bias;
                for (int t = 0; t < taps; t++)
                {
                    Vector256<float> k = Vector256.LoadUnsafe(ref weight, (nuint)(t * Lanes));
                    nint at = Unsafe.Add(ref tapAt, t);
                    s0 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref window, (nuint)at), k, s0);
                    s1 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref window, (nuint)(at + step)), k, s1);
                    s2 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref window, (nuint)(at + 2 * step)), k, s2);
                    s3 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref window, (nuint)(at + 3 * step)), k, s3);
                }

                if (clamp)
                {
                    (s0, s1) = (Vector256.Min(Vector256.Max(s0, low), high), Vector256.Min(Vector256.Max(s1, low), high));
                    (s2, s3) = (Vector256.Min(Vector256.Max(s2, low), high), Vector256.Min(Vector256.Max(s3, low), high));
                }

                s0.StoreUnsafe(ref output, (nuint)(j * Lanes));
                s1.StoreUnsafe(ref output, (nuint)((j + 1) * Lanes));
                s2.StoreUnsafe(ref output, (nuint)((j + 2) * Lanes));
                s3.StoreUnsafe(ref output, (nuint)((j + 3) * Lanes));
            }

            for (; j < _outputWidth; j++)
            {
                ref float window = ref Unsafe.Add(ref row, j * step);
                Vector256<float> sum = bias;
                for (int t = 0; t < taps; t++)
                {
                    sum = Fma.MultiplyAdd(
                        Vector256.LoadUnsafe(ref window, (nuint)Unsafe.Add(ref tapAt, t)), Vector256.LoadUnsafe(ref weight, (nuint)(t * Lanes)), sum);
                }

                if (clamp)
                {
                    sum = Vector256.Min(Vector256.Max(sum, low), high);
                }

                sum.StoreUnsafe(ref output, (nuint)(j * Lanes));
            }
        }
    }

    /// <summary>A block's outputs, 8-channel vectors, back into its 8 output planes.</summary>
    private void Deinterleave(ReadOnlySpan<float> result, Span<float> y)
    {
        int plane = _outputHeight * _outputWidth, whole = plane / Lanes * Lanes;
        ref float source = ref MemoryMarshal.GetReference(result);
        ref float target = ref MemoryMarshal.GetReference(y);
        for (int p = 0; p < whole; p += Lanes)
        {
            nint at = (nint)p * Lanes;
            Transpose(
                Vector256.LoadUnsafe(ref source, (nuint)at), Vector256.LoadUnsafe(ref source, (nuint)(at + Lanes)),
                Vector256.LoadUnsafe(ref source, (nuint)(at + 2 * Lanes)), Vector256.LoadUnsafe(ref source, (nuint)(at + 3 * Lanes)),
                Vector256.LoadUnsafe(ref source, (nuint)(at + 4 * Lanes)), Vector256.LoadUnsafe(ref source, (nuint)(at + 5 * Lanes)),
                Vector256.LoadUnsafe(ref source, (nuint)(at + 6 * Lanes)), Vector256.LoadUnsafe(ref source, (nuint)(at + 7 * Lanes)),
                out var o0, out var o1, out var o2, out var o3, out var o4, out var o5, out var o6, out var o7);
            o0.StoreUnsafe(ref target, (nuint)p);
            o1.StoreUnsafe(ref target, (nuint)(plane + p));
            o2.StoreUnsafe(ref target, (nuint)(2 * plane + p));
            o3.StoreUnsafe(ref target, (nuint)(3 * plane + p));
            o4.StoreUnsafe(ref target, (nuint)(4 * plane + p));
            o5.StoreUnsafe(ref target, (nuint)(5 * plane + p));
            o6.StoreUnsafe(ref target, (nuint)(6 * plane + p));
            o7.StoreUnsafe(ref target, (nuint)(7 * plane + p));
        }

        for (int p = whole; p < plane; p++)
        {
            for (int v = 0; v < Lanes; v++)
            {
                Unsafe.Add(ref target, v * plane + p) = Unsafe.Add(ref source, p * Lanes + v);
            }
        }
    }

    /// <summary>One channel alone, with the same multiply-adds in the same order as a lane of a block.</summary>
    private void Single(ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<float> weights, float bias, Activation activation)
    {
        Window2d w = _window;
        for (int i = 0, q = 0; i < _outputHeight; i++)
        {
            for (int j = 0; j < _outputWidth; j++, q++)
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

    /// <summary>The 8x8 transpose: output k holds lane k of each of the 8 inputs, in order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose(
        Vector256<float> r0, Vector256<float> r1, Vector256<float> r2, Vector256<float> r3,
        Vector256<float> r4, Vector256<float> r5, Vector256<float> r6, Vector256<float> r7,
        out Vector256<float> o0, out Vector256<float> o1, out Vector256<float> o2, out Vector256<float> o3,
        out Vector256<float> o4, out Vector256<float> o5, out Vector256<float> o6, out Vector256<float> o7)
    {
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1), t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5), t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
        Vector256<float> s0 = Avx.Shuffle(t0, t2, 0x44), s1 = Avx.Shuffle(t0, t2, 0xEE), s2 = Avx.Shuffle(t1, t3, 0x44), s3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> s4 = Avx.Shuffle(t4, t6, 0x44), s5 = Avx.Shuffle(t4, t6, 0xEE), s6 = Avx.Shuffle(t5, t7, 0x44), s7 = Avx.Shuffle(t5, t7, 0xEE);
        o0 = Avx.Permute2x128(s0, s4, 0x20);
        o1 = Avx.Permute2x128(s1, s5, 0x20);
        o2 = Avx.Permute2x128(s2, s6, 0x20);
        o3 = Avx.Permute2x128(s3, s7, 0x20);
        o4 = Avx.Permute2x128(s0, s4, 0x31);
        o5 = Avx.Permute2x128(s1, s5, 0x31);
        o6 = Avx.Permute2x128(s2, s6, 0x31);
        o7 = Avx.Permute2x128(s3, s7, 0x31);
    }
}
