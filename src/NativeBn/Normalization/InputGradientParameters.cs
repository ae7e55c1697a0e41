namespace NativeBn.Normalization;

/// <summary>
/// Per-channel parameters of the input gradient: with batch statistics <c>dx = A·dy + B·(x - Mean) + E</c>,
/// with stored statistics <c>dx = A·dy</c>.
/// </summary>
internal readonly ref struct InputGradientParameters(bool batch, ReadOnlySpan<float> a, ReadOnlySpan<float> b, ReadOnlySpan<float> mean, ReadOnlySpan<float> e)
{
    public bool Batch { get; } = batch;

    public ReadOnlySpan<float> A { get; } = a;

    public ReadOnlySpan<float> B { get; } = b;

    public ReadOnlySpan<float> Mean { get; } = mean;

    public ReadOnlySpan<float> E { get; } = e;
}
