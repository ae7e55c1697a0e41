using NativeBn.Kernels.Operators;
using NativeBn.Model;
using NativeBn.Model.Nodes;

namespace NativeBn.Kernels;

/// <summary>
/// A 2-D convolution prepared for one input size: weights re-laid out once (<see cref="PackedGemm.Pack"/> per group,
/// or per channel for depthwise convolutions), then <see cref="Run"/> per sample <c>[C, H, W]</c> into
/// <c>[M, OH, OW]</c>. Grouped and dense convolutions are an implicit GEMM over each group's input laid out by
/// <see cref="PhaseLayout"/>, with the bias and an optional activation (ReLU, ReLU6, Clip) fused. Depthwise convolutions run
/// directly (<see cref="SlidingWindow"/> with <see cref="DepthwiseTaps"/>). A sample is computed alone in a fixed order, so its result does not
/// depend on the batch it arrives in.
/// </summary>
internal sealed class PackedConvolution
{
    private readonly Window2d _window;
    private readonly int _channels, _outputs, _groups, _height, _width, _depth;
    private readonly SlidingWindow? _depthwise;
    private readonly PhaseLayout? _layout;
    private readonly float[] _weights;
    private readonly float[] _bias;

    /// <summary>The convolution of <paramref name="conv"/> on <paramref name="height"/> x <paramref name="width"/> inputs, its weights packed.</summary>
    public PackedConvolution(Conv2dNode conv, int height, int width)
    {
        Window2d w = _window = conv.Window;
        (_channels, _outputs, _groups, _height, _width) = (conv.InputChannels, conv.OutputChannels, conv.Groups, height, width);
        int groupChannels = _channels / _groups;
        _depth = groupChannels * w.KernelHeight * w.KernelWidth;
        if (conv.Groups == conv.InputChannels && conv.Groups == conv.OutputChannels)
        {
            _depthwise = new SlidingWindow(w, height, width, ceilMode: false, padding: 0f);
            _weights = new float[conv.Weight.Length];
            _bias = new float[_outputs];
            ScratchLength = _depthwise.ScratchLength;
        }
        else
        {
            int padded = PackedGemm.PaddedRows(_outputs / _groups);
            _layout = new PhaseLayout(w, groupChannels, height, width, PackedGemm.Panel);
            _weights = new float[checked((long)padded * _depth * _groups)];
            _bias = new float[padded * _groups];
            ScratchLength = checked(_layout.CopyLength + (long)(_outputs / _groups) * _layout.Columns);
        }

        Load(conv.Weight.AsSpan(), conv.Bias.AsSpan());
    }

    /// <summary>Floats of scratch <see cref="Run"/> needs.</summary>
    public long ScratchLength { get; }

    /// <summary>Re-lays out new weights <c>[M, C/G, kH, kW]</c> and bias <c>[M]</c> (a training step changed them).</summary>
    public void Load(ReadOnlySpan<float> weight, ReadOnlySpan<float> bias)
    {
        if (_depthwise is not null)
        {
            weight.CopyTo(_weights);
            bias.CopyTo(_bias);
            return;
        }

        int groupOutputs = _outputs / _groups, padded = PackedGemm.PaddedRows(groupOutputs);
        for (int g = 0; g < _groups; g++)
        {
            PackedGemm.Pack(weight.Slice(g * groupOutputs * _depth, groupOutputs * _depth), groupOutputs, _depth, _weights.AsSpan(g * padded * _depth, padded * _depth));
            bias.Slice(g * groupOutputs, groupOutputs).CopyTo(_bias.AsSpan(g * padded));
        }
    }

    /// <summary>
    /// One sample: <paramref name="x"/> <c>[C, H, W]</c> into <paramref name="y"/> <c>[M, OH, OW]</c>, the GEMM's column
    /// panels shared among up to <paramref name="maxThreads"/> threads (bitwise the same result for any count).
    /// </summary>
    public void Run(ReadOnlySpan<float> x, Span<float> y, Span<float> scratch, Activation activation, int maxThreads = 1)
    {
        if (_layout is null)
        {
            var taps = new DepthwiseTaps(_weights, _bias, _window.KernelHeight * _window.KernelWidth, activation);
            _depthwise!.Run(x, _channels, ref taps, y, scratch, []);
            return;
        }

        PhaseLayout layout = _layout;
        int plane = _height * _width, positions = layout.OutputHeight * layout.OutputWidth, columns = layout.Columns;
        int groupChannels = _channels / _groups, groupOutputs = _outputs / _groups, padded = PackedGemm.PaddedRows(groupOutputs);
        Span<float> copy = scratch[..layout.CopyLength];
        Span<float> result = scratch.Slice(layout.CopyLength, groupOutputs * columns);
        for (int g = 0; g < _groups; g++)
        {
            layout.Split(x.Slice(g * groupChannels * plane, groupChannels * plane), copy, readPhasesOnly: true);
            PackedGemm.Multiply(_weights.AsSpan(g * padded * _depth, padded * _depth), _bias.AsSpan(g * padded, padded), groupOutputs, _depth,
                copy, layout.Taps, columns, result, columns, activation, maxThreads);
            Span<float> output = y.Slice(g * groupOutputs * positions, groupOutputs * positions);
            for (int m = 0; m < groupOutputs; m++)
            {
                for (int i = 0; i < layout.OutputHeight; i++)
                {
                    result.Slice(m * columns + i * layout.PhaseWidth, layout.OutputWidth)
                        .CopyTo(output.Slice((m * layout.OutputHeight + i) * layout.OutputWidth, layout.OutputWidth));
                }
            }
        }
    }
}
