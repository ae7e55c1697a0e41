using NativeBn.Kernels;
using NativeBn.Model;
using NativeBn.Model.Nodes;

namespace NativeBn.Network;

/// <summary><c>y = min(max(x, Min), Max)</c> (ReLU6 is Clip(0, 6)); the gradient passes where <c>Min &lt; x &lt; Max</c>, as in PyTorch's hardtanh.</summary>
public sealed class ClipLayer : Layer
{
    private readonly float _min, _max;

    internal ClipLayer(string name, int width, float min, float max)
        : base(name, width, width)
    {
        (_min, _max) = (min, max);
    }

    /// <inheritdoc />
    public override LayerKind Kind => LayerKind.Clip;

    internal override ModelNode ToNode(string input) => new ClipNode(Name, input, _min, _max);

    internal override void Forward(ReadOnlySpan<float> input, Span<float> output, int batch, Pass pass) =>
        ElementwiseKernels.Clamp(input[..(batch * InputWidth)], output[..(batch * InputWidth)], _min, _max);

    internal override void Backward(
        ReadOnlySpan<float> input, ReadOnlySpan<float> output, ReadOnlySpan<float> outputGradient, Span<float> inputGradient, int batch)
    {
        int length = batch * InputWidth;
        ElementwiseKernels.ClampGradient(input[..length], outputGradient[..length], inputGradient[..length], _min, _max);
    }
}
