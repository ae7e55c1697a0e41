namespace NativeBn.Model.Nodes;

/// <summary><c>[N, d1, d2, ...]</c> to <c>[N, d1·d2·...]</c> (ONNX <c>Flatten</c> with axis 1); values keep their order.</summary>
public sealed class FlattenNode(string name, string input) : ModelNode(name, [input], 1)
{
    /// <inheritdoc />
    public override string Kind => "Flatten";

    /// <inheritdoc />
    public override ShapeInfo InferShape(IReadOnlyList<ShapeInfo> inputs)
    {
        ShapeInfo input = inputs[0];
        if (input.Rank < 2 || !input.IsBatched)
        {
            throw Invalid($"takes [N, ...] with fixed sizes after the batch, got {input}.");
        }

        long features = input.ValuesPerSample;
        if (features > int.MaxValue)
        {
            throw Invalid($"{input} flattens to {features} features per sample; at most {int.MaxValue} are supported.");
        }

        return ShapeInfo.Features((int)features);
    }

    /// <inheritdoc />
    public override ModelNode WithInputs(IEnumerable<string> inputs) => new FlattenNode(Name, inputs.Single());
}
