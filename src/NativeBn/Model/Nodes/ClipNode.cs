namespace NativeBn.Model.Nodes;

/// <summary><c>min(max(x, Min), Max)</c> element-wise; ReLU6 is Clip(0, 6). Any shape.</summary>
public sealed class ClipNode : ModelNode
{
    /// <summary>A clip node; <paramref name="min"/> ≤ <paramref name="max"/>, neither NaN (infinities mean no bound).</summary>
    public ClipNode(string name, string input, float min, float max)
        : base(name, [input], 1)
    {
        if (float.IsNaN(min) || float.IsNaN(max) || min > max)
        {
            throw Invalid($"clips to [{min}, {max}]; the bounds must be numbers with min ≤ max.");
        }

        Min = min;
        Max = max;
    }

    /// <inheritdoc />
    public override string Kind => "Clip";

    /// <summary>Lower bound (negative infinity for none).</summary>
    public float Min { get; }

    /// <summary>Upper bound (positive infinity for none).</summary>
    public float Max { get; }

    /// <inheritdoc />
    public override ShapeInfo InferShape(IReadOnlyList<ShapeInfo> inputs) => inputs[0];

    /// <inheritdoc />
    public override ModelNode WithInputs(IEnumerable<string> inputs) => new ClipNode(Name, inputs.Single(), Min, Max);
}
