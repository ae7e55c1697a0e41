using System.Collections.Immutable;

namespace NativeBn.Model.Nodes;

/// <summary>
/// Fully connected layer <c>y = x·Wᵀ + b</c> on <c>[N, inputs]</c>, giving <c>[N, outputs]</c>. W is <c>[outputs, inputs]</c>
/// row-major (PyTorch <c>nn.Linear.weight</c>, ONNX <c>Gemm</c> with <c>transB = 1</c>); every weight is finite.
/// </summary>
public sealed class DenseNode : ModelNode
{
    /// <summary>A dense node; the weights are copied.</summary>
    public DenseNode(string name, string input, int inputs, int outputs, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias)
        : base(name, [input], 1)
    {
        if (inputs < 1 || outputs < 1)
        {
            throw Invalid($"needs at least 1 input and 1 output feature, got {inputs} inputs and {outputs} outputs.");
        }

        long count = (long)inputs * outputs;
        if (weight.Length != count)
        {
            throw Invalid($"weight has {weight.Length} values; expected [outputs = {outputs}, inputs = {inputs}] = {count}.");
        }

        if (bias.Length != outputs)
        {
            throw Invalid($"bias has {bias.Length} values; expected one per output ({outputs}).");
        }

        Check.Finite(weight, $"weight of node '{name}'");
        Check.Finite(bias, $"bias of node '{name}'");
        InputFeatures = inputs;
        OutputFeatures = outputs;
        Weight = [.. weight];
        Bias = [.. bias];
    }

    /// <inheritdoc />
    public override string Kind => "Dense";

    /// <summary>Features in.</summary>
    public int InputFeatures { get; }

    /// <summary>Features out.</summary>
    public int OutputFeatures { get; }

    /// <summary>W, <c>[outputs, inputs]</c> row-major.</summary>
    public ImmutableArray<float> Weight { get; }

    /// <summary>b, one per output.</summary>
    public ImmutableArray<float> Bias { get; }

    /// <inheritdoc />
    public override ShapeInfo InferShape(IReadOnlyList<ShapeInfo> inputs)
    {
        ShapeInfo input = inputs[0];
        if (input.Rank != 2 || input.Dimensions[1].IsBatch || input[1] != InputFeatures)
        {
            throw Invalid($"takes [N, {InputFeatures}], got {input}.");
        }

        return new ShapeInfo([input.Dimensions[0], Dimension.Of(OutputFeatures)]);
    }

    /// <inheritdoc />
    public override ModelNode WithInputs(IEnumerable<string> inputs) =>
        new DenseNode(Name, inputs.Single(), InputFeatures, OutputFeatures, Weight.AsSpan(), Bias.AsSpan());
}
