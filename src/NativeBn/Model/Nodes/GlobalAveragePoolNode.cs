namespace NativeBn.Model.Nodes;

/// <summary>The mean of each channel over its positions: <c>[N, C, H, W]</c> to <c>[N, C, 1, 1]</c>.</summary>
public sealed class GlobalAveragePoolNode(string name, string input) : ModelNode(name, [input], 1)
{
    /// <inheritdoc />
    public override string Kind => "GlobalAveragePool";

    /// <inheritdoc />
    public override ShapeInfo InferShape(IReadOnlyList<ShapeInfo> inputs)
    {
        ShapeInfo input = inputs[0];
        if (input.Rank != 4 || !input.IsBatched)
        {
            throw Invalid($"takes [N, C, H, W], got {input}.");
        }

        return new ShapeInfo([input.Dimensions[0], input.Dimensions[1], Dimension.Of(1), Dimension.Of(1)]);
    }

    /// <inheritdoc />
    public override ModelNode WithInputs(IEnumerable<string> inputs) => new GlobalAveragePoolNode(Name, inputs.Single());
}
