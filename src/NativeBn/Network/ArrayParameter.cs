namespace NativeBn.Network;

/// <summary>A parameter held in plain arrays (dense weights and biases).</summary>
internal sealed class ArrayParameter(string name, float[] values, float[] gradient) : Parameter
{
    public override string Name => name;

    public override int Length => values.Length;

    public float[] Array => values;

    public float[] GradientArray => gradient;

    /// <summary>Incremented each time the values are handed out for writing.</summary>
    public long Version { get; private set; }

    public override Span<float> Values()
    {
        Version++;
        return values;
    }

    public override ReadOnlySpan<float> Gradient => gradient;
}
