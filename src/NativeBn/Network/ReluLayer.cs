using NativeBn.Kernels;
using NativeBn.Model;
using NativeBn.Model.Nodes;

namespace NativeBn.Network;

/// <summary><c>y = max(x, 0)</c>; the gradient passes where the output is positive.</summary>
public sealed class ReluLayer : Layer
{
    internal ReluLayer(string name, int width)
        : base(name, width, width)
    {
    }

    /// <inheritdoc />
    public override LayerKind Kind => LayerKind.Relu;

    internal override ModelNode ToNode(string input) => new ReluNode(Name, input);

    internal override void Forward(ReadOnlySpan<float> input, Span<float> output, int batch, Pass pass)
    {
        int length = batch * InputWidth;
        ElementwiseKernels.Clamp(input[..length], output[..length], 0f, float.PositiveInfinity);
    }

    internal override void Backward(
        ReadOnlySpan<float> input, ReadOnlySpan<float> output, ReadOnlySpan<float> outputGradient, Span<float> inputGradient, int batch)
    {
        int length = batch * InputWidth;
        ElementwiseKernels.ReluGradient(output[..length], outputGradient[..length], inputGradient[..length]);
    }
}
