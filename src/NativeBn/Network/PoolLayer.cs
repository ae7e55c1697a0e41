using NativeBn.Kernels;
using NativeBn.Model;
using NativeBn.Model.Nodes;

namespace NativeBn.Network;

/// <summary>Max or average pooling on <c>[N, C, H, W]</c> (see <see cref="PoolNode"/> for windows, ceil mode and divisors).</summary>
public sealed class PoolLayer : Layer
{
    private readonly PoolNode _node;
    private readonly int _channels, _height, _width;
    private readonly Pooling _pooling;
    private readonly float[] _scratch;

    internal PoolLayer(PoolNode node, int channels, int height, int width)
        : base(node.Name, checked(channels * height * width), checked(channels * node.Window.OutputHeight(height, node.CeilMode) * node.Window.OutputWidth(width, node.CeilMode)))
    {
        _node = node;
        (_channels, _height, _width) = (channels, height, width);
        _pooling = new Pooling(node, channels, height, width);
        _scratch = new float[checked((int)_pooling.ScratchLength)];
    }

    /// <inheritdoc />
    public override LayerKind Kind => LayerKind.Pool;

    internal override ModelNode ToNode(string input) => _node.WithInputs([input]);

    internal override void Forward(ReadOnlySpan<float> input, Span<float> output, int batch, Pass pass)
    {
        for (int n = 0; n < batch; n++)
        {
            _pooling.Run(input.Slice(n * InputWidth, InputWidth), output.Slice(n * OutputWidth, OutputWidth), _scratch);
        }
    }

    internal override void Backward(
        ReadOnlySpan<float> input, ReadOnlySpan<float> output, ReadOnlySpan<float> outputGradient, Span<float> inputGradient, int batch)
    {
        for (int n = 0; n < batch; n++)
        {
            Span<float> dx = inputGradient.Slice(n * InputWidth, InputWidth);
            ReadOnlySpan<float> dy = outputGradient.Slice(n * OutputWidth, OutputWidth);
            if (_pooling.Counts.Length == 0)
            {
                PoolingGradients.Max(_node.Window, _channels, _height, _width, _node.CeilMode,
                    input.Slice(n * InputWidth, InputWidth), output.Slice(n * OutputWidth, OutputWidth), dy, dx);
            }
            else
            {
                PoolingGradients.Average(_node.Window, _channels, _height, _width, _node.CeilMode, _pooling.Counts, dy, dx);
            }
        }
    }
}
