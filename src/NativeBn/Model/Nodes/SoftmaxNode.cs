namespace NativeBn.Model.Nodes;

/// <summary>Softmax over the features of <c>[N, C]</c>: class probabilities from logits.</summary>
public sealed class SoftmaxNode(string name, string input) : ModelNode(name, [input], 1)
{
    /// <inheritdoc />
    public override string Kind => "Softmax";

    /// <inheritdoc />
    public override ShapeInfo InferShape(IReadOnlyList<ShapeInfo> inputs)
    {
        ShapeInfo input = inputs[0];
        if (input.Rank != 2 || input.Dimensions[1].IsBatch)
        {
            throw Invalid($"takes [N, C], got {input}.");
        }

        return input;
    }

    /// <inheritdoc />
    public override ModelNode WithInputs(IEnumerable<string> inputs) => new SoftmaxNode(Name, inputs.Single());
}
