namespace NativeBn.Model.Nodes;

/// <summary><c>max(x, 0)</c> element-wise; any shape.</summary>
public sealed class ReluNode(string name, string input) : ModelNode(name, [input], 1)
{
    /// <inheritdoc />
    public override string Kind => "Relu";

    /// <inheritdoc />
    public override ShapeInfo InferShape(IReadOnlyList<ShapeInfo> inputs) => inputs[0];

    /// <inheritdoc />
    public override ModelNode WithInputs(IEnumerable<string> inputs) => new ReluNode(Name, inputs.Single());
}
