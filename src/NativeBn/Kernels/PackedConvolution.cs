using NativeBn.Model;
using NativeBn.Model.Nodes;

namespace NativeBn.Kernels;

/// <summary>
/// A 2-D convolution prepared for one input size: weights re-laid out once (<see cref="PackedGemm.Pack"/> per group,
/// or per channel for depthwise convolutions), then <see cref="Run"/> per sample <c>[C, H, W]</c> into
/// <c>[M, OH, OW]</c>. Grouped and dense convolutions lay the input patches of a block of output positions out as
/// columns (im2col, written directly as the GEMM's panels of <c>[C/G·kH·kW, Panel]</c>) and multiply them by the
/// packed weights with the bias and an optional activation (ReLU, ReLU6, Clip) fused; depthwise convolutions run directly (<see cref="DepthwiseKernels"/>). A sample is
/// computed alone in a fixed order, so its result does not depend on the batch it arrives in.
/// </summary>
internal sealed class PackedConvolution
{
    /// <summary>
    /// Bytes of im2col columns per block (a few MiB, in L3): each block streams the whole weight matrix once, so deep
    /// layers with few positions take all of them in one block.
    /// </summary>
    private const int ColumnBytes = 2 << 20;

    /// <summary>Fewest panels per block, so that the weights are reused across at least this many.</summary>
    private const int MinPanels = 4;

    private readonly Window2d _window;
    private readonly int _channels, _outputs, _groups, _height, _width, _outputHeight, _outputWidth, _depth, _block;
    private readonly DepthwiseKernels? _depthwise;

    /// <summary>Floats of the stride phases of one group's input (0 for stride 1).</summary>
    private readonly long _phased;
    private readonly float[] _weights;
    private readonly float[] _bias;

    public PackedConvolution(Conv2dNode conv, int height, int width)
    {
        _window = conv.Window;
        (_channels, _outputs, _groups, _height, _width) = (conv.InputChannels, conv.OutputChannels, conv.Groups, height, width);
        (_outputHeight, _outputWidth) = (_window.OutputHeight(height), _window.OutputWidth(width));
        _depth = conv.InputChannels / conv.Groups * _window.KernelHeight * _window.KernelWidth;
        if (conv.Groups == conv.InputChannels && conv.Groups == conv.OutputChannels)
        {
            _depthwise = new DepthwiseKernels(_window, height, width);
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

        int positions = _outputHeight * _outputWidth;
        int byBudget = Math.Max(MinPanels * panel, ColumnBytes / 4 / _depth / panel * panel);
        _block = Math.Min(byBudget, (positions + panel - 1) / panel * panel);
        _phased = _window.StrideWidth > 1 ? (long)_channels / _groups * height * width : 0;
        ScratchLength = checked((long)_depth * _block + (long)padded * panel + _phased);
    }

    /// <summary>Floats of scratch <see cref="Run"/> needs.</summary>
    public long ScratchLength { get; }

    /// <summary>One sample: <paramref name="x"/> <c>[C, H, W]</c> into <paramref name="y"/> <c>[M, OH, OW]</c>.</summary>
    public void Run(ReadOnlySpan<float> x, Span<float> y, Span<float> scratch, Activation activation)
    {
        if (_depthwise is not null)
        {
            _depthwise.Run(x, _channels, _weights, _bias, y, scratch, activation);
            return;
        }

        int positions = _outputHeight * _outputWidth, plane = _height * _width;
        int groupChannels = _channels / _groups, groupOutputs = _outputs / _groups, padded = PackedGemm.PaddedRows(groupOutputs);
        Span<float> columns = scratch[..(_depth * _block)];
        Span<float> edge = scratch.Slice(_depth * _block, padded * PackedGemm.Panel);
        Span<float> phases = scratch.Slice(_depth * _block + padded * PackedGemm.Panel, (int)_phased);
        for (int g = 0; g < _groups; g++)
        {
            ReadOnlySpan<float> input = x.Slice(g * groupChannels * plane, groupChannels * plane);
            if (_phased > 0)
            {
                SplitPhases(input, groupChannels, phases);
                input = phases;
            }

            ReadOnlySpan<float> weights = _weights.AsSpan(g * padded * _depth, padded * _depth);
            ReadOnlySpan<float> bias = _bias.AsSpan(g * padded, padded);
            Span<float> output = y.Slice(g * groupOutputs * positions, groupOutputs * positions);
            for (int start = 0; start < positions; start += _block)
            {
                int count = Math.Min(_block, positions - start);
                Columns(input, groupChannels, start, count, columns);
                PackedGemm.Multiply(weights, bias, groupOutputs, _depth, columns, count, output[start..], positions, edge, activation);
            }
        }
    }

    /// <summary>
    /// Row (c, r, s) of the column block holds, for output positions [start, start + count), input channel c at kernel
    /// offset (r, s), zeros outside the input, laid out as panels (<see cref="PackedGemm.Multiply"/>); the last panel
    /// is zero-filled past the block's end.
    /// </summary>
    private void Columns(ReadOnlySpan<float> input, int channels, int start, int count, Span<float> columns)
    {
        Window2d w = _window;
        int panel = PackedGemm.Panel, stride = w.StrideWidth;
        int row = 0;
        for (int c = 0; c < channels; c++)
        {
            ReadOnlySpan<float> plane = input.Slice(c * _height * _width, _height * _width);
            for (int r = 0; r < w.KernelHeight; r++)
            {
                for (int s = 0; s < w.KernelWidth; s++, row++)
                {
                    int offset = s * w.DilationWidth - w.PadLeft;
                    int phase = ((offset % stride) + stride) % stride, shift = (offset - phase) / stride;
                    int phaseStart = PhaseStart(phase), phaseLength = PhaseStart(phase + 1) - phaseStart;
                    int done = 0;
                    while (done < count)
                    {
                        int position = start + done;
                        int i = position / _outputWidth, j = position % _outputWidth;
                        int length = Math.Min(count - done, _outputWidth - j);
                        int h = i * w.StrideHeight - w.PadTop + r * w.DilationHeight;
                        ReadOnlySpan<float> source = (uint)h < (uint)_height ? plane.Slice(h * _width + phaseStart, phaseLength) : [];
                        Place(source, j + shift, done, length, row, columns);
                        done += length;
                    }

                    int end = (count + panel - 1) / panel * panel;
                    Place([], 0, count, end - count, row, columns);
                }
            }
        }
    }

    /// <summary>
    /// Column <c>at + t</c> of row <paramref name="row"/> (t &lt; <paramref name="length"/>) receives
    /// <c>source[first + t]</c>, or zero where that is outside <paramref name="source"/>, piece by piece across panels.
    /// </summary>
    private void Place(ReadOnlySpan<float> source, int first, int at, int length, int row, Span<float> columns)
    {
        int panel = PackedGemm.Panel;
        while (length > 0)
        {
            int lane = at % panel, piece = Math.Min(panel - lane, length);
            Span<float> target = columns.Slice(((at / panel) * _depth + row) * panel + lane, piece);
            int begin = Math.Clamp(-first, 0, piece), end = Math.Clamp(source.Length - first, begin, piece);
            target[..begin].Clear();
            if (end > begin)
            {
                source.Slice(first + begin, end - begin).CopyTo(target[begin..end]);
            }

            target[end..].Clear();
            (first, at, length) = (first + piece, at + piece, length - piece);
        }
    }

    /// <summary>Where phase p starts in a row split by <see cref="SplitPhases"/>: the columns q &lt; p of every phase before it.</summary>
    private int PhaseStart(int phase)
    {
        int stride = _window.StrideWidth;
        int start = 0;
        for (int p = 0; p < phase; p++)
        {
            start += (_width - p + stride - 1) / stride;
        }

        return start;
    }

    /// <summary>
    /// Each input row rearranged as its stride phases one after another (columns p, p + stride, ... for p = 0, 1, ...),
    /// so that a strided window reads a contiguous run. Stride 1 leaves rows as they are.
    /// </summary>
    private void SplitPhases(ReadOnlySpan<float> input, int channels, Span<float> phases)
    {
        int stride = _window.StrideWidth;
        for (int row = 0; row < channels * _height; row++)
        {
            ReadOnlySpan<float> source = input.Slice(row * _width, _width);
            Span<float> target = phases.Slice(row * _width, _width);
            int t = 0;
            for (int p = 0; p < stride; p++)
            {
                for (int q = p; q < _width; q += stride)
                {
                    target[t++] = source[q];
                }
            }
        }
    }
}
