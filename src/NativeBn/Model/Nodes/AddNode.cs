namespace NativeBn.Model.Nodes;

/// <summary>Element-wise sum of two tensors of the same shape (a residual connection).</summary>
public sealed class AddNode(string name, string left, string right) : ModelNode(name, [left, right], 2)
{
    /// <inheritdoc />
    public override string Kind => "Add";

    /// <inheritdoc />
    public override ShapeInfo InferShape(IReadOnlyList<ShapeInfo> inputs)
    {
        if (!inputs[0].Equals(inputs[1]))
        {
            throw Invalid($"adds tensors of the same shape, got {inputs[0]} and {inputs[1]}.");
        }

        return inputs[0];
    }

    /// <inheritdoc />
    public override ModelNode WithInputs(IEnumerable<string> inputs)
    {
        string[] names = [.. inputs];
        return new AddNode(Name, names.ElementAtOrDefault(0) ?? "", names.ElementAtOrDefault(1) ?? "");
    }
}
