namespace NativeBn.Model.Nodes;

/// <summary>Inverted dropout with <see cref="Rate"/> in [0, 1) in training; the identity at inference. Any shape.</summary>
public sealed class DropoutNode : ModelNode
{
    /// <summary>A dropout node.</summary>
    public DropoutNode(string name, string input, double rate)
        : base(name, [input], 1)
    {
        if (!(rate >= 0 && rate < 1))
        {
            throw Invalid($"the rate is {rate}; it must be in [0, 1).");
        }

        Rate = rate;
    }

    /// <inheritdoc />
    public override string Kind => "Dropout";

    /// <summary>Probability of zeroing a value in training.</summary>
    public double Rate { get; }

    /// <inheritdoc />
    public override ShapeInfo InferShape(IReadOnlyList<ShapeInfo> inputs) => inputs[0];

    /// <inheritdoc />
    public override ModelNode WithInputs(IEnumerable<string> inputs) => new DropoutNode(Name, inputs.Single(), Rate);
}
