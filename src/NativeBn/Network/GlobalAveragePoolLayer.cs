using NativeBn.Kernels;
using NativeBn.Model;
using NativeBn.Model.Nodes;

namespace NativeBn.Network;

/// <summary>The mean of each channel of <c>[N, C, H, W]</c>, giving <c>[N, C, 1, 1]</c>; the gradient is shared evenly over the plane.</summary>
public sealed class GlobalAveragePoolLayer : Layer
{
    private readonly int _positions;

    internal GlobalAveragePoolLayer(string name, int channels, int positions)
        : base(name, checked(channels * positions), channels)
    {
        _positions = positions;
    }

    /// <inheritdoc />
    public override LayerKind Kind => LayerKind.GlobalAveragePool;

    internal override ModelNode ToNode(string input) => new GlobalAveragePoolNode(Name, input);

    internal override void Forward(ReadOnlySpan<float> input, Span<float> output, int batch, Pass pass) =>
        GlobalPooling.Average(input[..(batch * InputWidth)], batch * OutputWidth, _positions, output);

    internal override void Backward(
        ReadOnlySpan<float> input, ReadOnlySpan<float> output, ReadOnlySpan<float> outputGradient, Span<float> inputGradient, int batch)
    {
        for (int i = 0; i < batch * OutputWidth; i++)
        {
            inputGradient.Slice(i * _positions, _positions).Fill(outputGradient[i] / _positions);
        }
    }
}
