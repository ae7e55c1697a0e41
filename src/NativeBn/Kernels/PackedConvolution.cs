using NativeBn.Kernels.Operators;
using NativeBn.Model;
using NativeBn.Model.Nodes;

namespace NativeBn.Kernels;

/// <summary>
/// A 2-D convolution prepared for one input size: weights re-laid out once (<see cref="PackedGemm.Pack"/> per group,
/// or per channel for depthwise convolutions), then <see cref="Run"/> per sample <c>[C, H, W]</c> into
/// <c>[M, OH, OW]</c>. Grouped and dense convolutions are an implicit GEMM: each group's input is copied once, zero
/// padded and split into stride phases (padded row y, column x goes to phase (y mod sh, x mod sw) at (y / sh, x / sw)),
/// so that for every kernel tap the inputs of consecutive output positions are consecutive floats; the GEMM then reads
/// row (c, r, s) of its B at the tap's offset, computing each output row at the phase planes' width (the extra
/// columns are dropped), with the bias and an optional activation (ReLU, ReLU6, Clip) fused. Depthwise convolutions run
/// directly (<see cref="SlidingWindow"/> with <see cref="DepthwiseTaps"/>). A sample is computed alone in a fixed order, so its result does not
/// depend on the batch it arrives in.
/// </summary>
internal sealed class PackedConvolution
{
    private readonly Window2d _window;
    private readonly int _channels, _outputs, _groups, _height, _width, _outputHeight, _outputWidth, _depth;
    private readonly int _phaseRows, _phaseWidth, _columns, _copyLength;
    private readonly SlidingWindow? _depthwise;
    private readonly float[] _weights;
    private readonly float[] _bias;
    private readonly int[] _taps = [];

    public PackedConvolution(Conv2dNode conv, int height, int width)
    {
        Window2d w = _window = conv.Window;
        (_channels, _outputs, _groups, _height, _width) = (conv.InputChannels, conv.OutputChannels, conv.Groups, height, width);
        (_outputHeight, _outputWidth) = (w.OutputHeight(height), w.OutputWidth(width));
        int groupChannels = _channels / _groups;
        _depth = groupChannels * w.KernelHeight * w.KernelWidth;
        if (conv.Groups == conv.InputChannels && conv.Groups == conv.OutputChannels)
        {
            _depthwise = new SlidingWindow(w, height, width, ceilMode: false, padding: 0f);
            _weights = conv.Weight.ToArray();
            _bias = conv.Bias.ToArray();
            ScratchLength = _depthwise.ScratchLength;
            return;
        }

        int groupOutputs = _outputs / _groups, padded = PackedGemm.PaddedRows(groupOutputs), panel = PackedGemm.Panel;
        _weights = new float[checked((long)padded * _depth * _groups)];
        _bias = new float[padded * _groups];
        for (int g = 0; g < _groups; g++)
        {
            PackedGemm.Pack(conv.Weight.AsSpan().Slice(g * groupOutputs * _depth, groupOutputs * _depth), groupOutputs, _depth)
                .CopyTo(_weights.AsSpan(g * padded * _depth));
            conv.Bias.AsSpan().Slice(g * groupOutputs, groupOutputs).CopyTo(_bias.AsSpan(g * padded));
        }

        int sh = w.StrideHeight, sw = w.StrideWidth;
        _phaseRows = (height + w.PadTop + w.PadBottom + sh - 1) / sh;
        _phaseWidth = (width + w.PadLeft + w.PadRight + sw - 1) / sw;
        long phasePlane = (long)_phaseRows * _phaseWidth;
        _columns = checked((int)(((long)_outputHeight * _phaseWidth + panel - 1) / panel * panel));
        _taps = new int[_depth];
        long last = 0;
        for (int c = 0, k = 0; c < groupChannels; c++)
        {
            for (int r = 0; r < w.KernelHeight; r++)
            {
                for (int s = 0; s < w.KernelWidth; s++, k++)
                {
                    int y = r * w.DilationHeight, x = s * w.DilationWidth;
                    last = ((long)c * sh * sw + y % sh * sw + x % sw) * phasePlane + (long)(y / sh) * _phaseWidth + x / sw;
                    _taps[k] = checked((int)last);
                }
            }
        }

        _copyLength = checked((int)Math.Max((long)groupChannels * sh * sw * phasePlane, last + _columns));
        ScratchLength = checked(_copyLength + (long)groupOutputs * _columns);
    }

    /// <summary>Floats of scratch <see cref="Run"/> needs.</summary>
    public long ScratchLength { get; }

    /// <summary>One sample: <paramref name="x"/> <c>[C, H, W]</c> into <paramref name="y"/> <c>[M, OH, OW]</c>.</summary>
    public void Run(ReadOnlySpan<float> x, Span<float> y, Span<float> scratch, Activation activation)
    {
        if (_depthwise is not null)
        {
            var taps = new DepthwiseTaps(_weights, _bias, _window.KernelHeight * _window.KernelWidth, activation);
            _depthwise.Run(x, _channels, ref taps, y, scratch, []);
            return;
        }

        int plane = _height * _width, positions = _outputHeight * _outputWidth;
        int groupChannels = _channels / _groups, groupOutputs = _outputs / _groups, padded = PackedGemm.PaddedRows(groupOutputs);
        Span<float> copy = scratch[.._copyLength];
        Span<float> result = scratch.Slice(_copyLength, groupOutputs * _columns);
        for (int g = 0; g < _groups; g++)
        {
            Phases(x.Slice(g * groupChannels * plane, groupChannels * plane), groupChannels, copy);
            PackedGemm.Multiply(_weights.AsSpan(g * padded * _depth, padded * _depth), _bias.AsSpan(g * padded, padded), groupOutputs, _depth,
                copy, _taps, _columns, result, _columns, activation);
            Span<float> output = y.Slice(g * groupOutputs * positions, groupOutputs * positions);
            for (int m = 0; m < groupOutputs; m++)
            {
                for (int i = 0; i < _outputHeight; i++)
                {
                    result.Slice(m * _columns + i * _phaseWidth, _outputWidth).CopyTo(output.Slice((m * _outputHeight + i) * _outputWidth, _outputWidth));
                }
            }
        }
    }

    /// <summary>The group's input zero-padded and split into stride phases; the rest of the copy zeroed.</summary>
    private void Phases(ReadOnlySpan<float> input, int channels, Span<float> copy)
    {
        Window2d w = _window;
        int sh = w.StrideHeight, sw = w.StrideWidth, phasePlane = _phaseRows * _phaseWidth;
        for (int c = 0; c < channels; c++)
        {
            ReadOnlySpan<float> plane = input.Slice(c * _height * _width, _height * _width);
            for (int a = 0; a < sh; a++)
            {
                for (int b = 0; b < sw; b++)
                {
                    Span<float> target = copy.Slice((c * sh * sw + a * sw + b) * phasePlane, phasePlane);
                    int first = Math.Max(0, (w.PadLeft - b + sw - 1) / sw);
                    int end = Math.Clamp((_width + w.PadLeft - b + sw - 1) / sw, first, _phaseWidth);
                    for (int row = 0; row < _phaseRows; row++)
                    {
                        Span<float> line = target.Slice(row * _phaseWidth, _phaseWidth);
                        int h = row * sh + a - w.PadTop;
                        if ((uint)h >= (uint)_height || end <= first)
                        {
                            line.Clear();
                            continue;
                        }

                        ReadOnlySpan<float> source = plane.Slice(h * _width, _width);
                        line[..first].Clear();
                        if (sw == 1)
                        {
                            source.Slice(first - w.PadLeft, end - first).CopyTo(line[first..end]);
                        }
                        else
                        {
                            for (int t = first; t < end; t++)
                            {
                                line[t] = source[t * sw + b - w.PadLeft];
                            }
                        }

                        line[end..].Clear();
                    }
                }
            }
        }

        copy[(channels * sh * sw * phasePlane)..].Clear();
    }
}
