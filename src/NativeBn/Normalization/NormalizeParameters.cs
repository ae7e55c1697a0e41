namespace NativeBn.Normalization;

/// <summary>
/// Per-channel parameters of a forward pass's normalize step: centered (batch statistics) <c>y = (x - P0)·P1 + P2</c>,
/// or affine (stored statistics) <c>y = x·P0 + P1</c>.
/// </summary>
internal readonly ref struct NormalizeParameters(bool centered, ReadOnlySpan<float> p0, ReadOnlySpan<float> p1, ReadOnlySpan<float> p2)
{
    public bool Centered { get; } = centered;

    public ReadOnlySpan<float> P0 { get; } = p0;

    public ReadOnlySpan<float> P1 { get; } = p1;

    public ReadOnlySpan<float> P2 { get; } = p2;
}
