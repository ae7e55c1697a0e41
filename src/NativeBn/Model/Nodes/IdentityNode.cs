namespace NativeBn.Model.Nodes;

/// <summary>The input unchanged; any shape.</summary>
public sealed class IdentityNode(string name, string input) : ModelNode(name, [input], 1)
{
    /// <inheritdoc />
    public override string Kind => "Identity";

    /// <inheritdoc />
    public override ShapeInfo InferShape(IReadOnlyList<ShapeInfo> inputs) => inputs[0];

    /// <inheritdoc />
    public override ModelNode WithInputs(IEnumerable<string> inputs) => new IdentityNode(Name, inputs.Single());
}
