using NativeBn.Kernels;
using NativeBn.Model;
using NativeBn.Model.Nodes;

namespace NativeBn.Network;

/// <summary>Fully connected layer <c>y = x·Wᵀ + b</c> with W <c>[outputs, inputs]</c> row-major (PyTorch <c>nn.Linear</c> layout).</summary>
public sealed class DenseLayer : Layer
{
    private readonly ArrayParameter _weight;
    private readonly ArrayParameter _bias;

    internal DenseLayer(DenseNode node)
        : base(node.Name, node.InputFeatures, node.OutputFeatures)
    {
        int count = checked(node.InputFeatures * node.OutputFeatures);
        _weight = new ArrayParameter($"{node.Name}.weight", node.Weight.ToArray(), new float[count]);
        _bias = new ArrayParameter($"{node.Name}.bias", node.Bias.ToArray(), new float[node.OutputFeatures]);
    }

    /// <inheritdoc />
    public override LayerKind Kind => LayerKind.Dense;

    /// <summary>Weights <c>[outputs, inputs]</c>.</summary>
    public ReadOnlySpan<float> Weight => _weight.Array;

    /// <summary>Bias, length <c>outputs</c>.</summary>
    public ReadOnlySpan<float> Bias => _bias.Array;

    /// <summary>Gradient of the weights from the last backward pass.</summary>
    public ReadOnlySpan<float> WeightGradient => _weight.GradientArray;

    /// <summary>Gradient of the bias from the last backward pass.</summary>
    public ReadOnlySpan<float> BiasGradient => _bias.GradientArray;

    /// <inheritdoc />
    public override IReadOnlyList<Parameter> Parameters => [_weight, _bias];

    internal override long Version => _weight.Version + _bias.Version;

    /// <summary>Sets weights <c>[outputs, inputs]</c> and bias (finite values).</summary>
    public void SetParameters(ReadOnlySpan<float> weight, ReadOnlySpan<float> bias)
    {
        Check.Length(weight.Length, InputWidth * OutputWidth, nameof(weight), $"[outputs = {OutputWidth}, inputs = {InputWidth}]");
        Check.Length(bias.Length, OutputWidth, nameof(bias), "one per output");
        Check.Finite(weight, nameof(weight));
        Check.Finite(bias, nameof(bias));
        weight.CopyTo(_weight.Values());
        bias.CopyTo(_bias.Values());
    }

    internal override ModelNode ToNode(string input) =>
        new DenseNode(Name, input, InputWidth, OutputWidth, _weight.Array, _bias.Array);

    internal override void Forward(ReadOnlySpan<float> input, Span<float> output, int batch, Pass pass) =>
        DenseKernels.Forward(input, _weight.Array, _bias.Array, output, batch, InputWidth, OutputWidth);

    internal override void Backward(
        ReadOnlySpan<float> input, ReadOnlySpan<float> output, ReadOnlySpan<float> outputGradient, Span<float> inputGradient, int batch)
    {
        DenseKernels.Combine(outputGradient, 1, OutputWidth, input, batch, InputWidth, _weight.GradientArray, OutputWidth);
        float[] biasGradient = _bias.GradientArray;
        for (int o = 0; o < OutputWidth; o++)
        {
            float sum = 0;
            for (int n = 0; n < batch; n++)
            {
                sum += outputGradient[n * OutputWidth + o];
            }

            biasGradient[o] = sum;
        }

        if (!inputGradient.IsEmpty)
        {
            DenseKernels.Combine(outputGradient, OutputWidth, 1, _weight.Array, OutputWidth, InputWidth, inputGradient, batch);
        }
    }
}
