namespace NativeBn.Kernels;

/// <summary>
/// Kernels for any channel count on channels-last data <c>[N, C]</c> (C is the length of the per-channel spans),
/// on the caller's thread, in one pass. The source generator's constant-width kernels (see
/// <see cref="BatchNormKernelsAttribute"/>) have the same signatures and run the same code with C fixed, so their
/// results are bit-identical.
/// </summary>
public static class GenericKernels
{
    /// <summary><c>y = x·scale + shift</c>. <paramref name="y"/> may be <paramref name="x"/>.</summary>
    public static void Infer(ReadOnlySpan<float> x, ReadOnlySpan<float> scale, ReadOnlySpan<float> shift, Span<float> y) =>
        RowKernels<AnyWidth>.Infer(x, scale, shift, y);

    /// <summary><c>y = max(x·scale + shift, 0)</c>. <paramref name="y"/> may be <paramref name="x"/>.</summary>
    public static void InferRelu(ReadOnlySpan<float> x, ReadOnlySpan<float> scale, ReadOnlySpan<float> shift, Span<float> y) =>
        RowKernels<AnyWidth>.InferRelu(x, scale, shift, y);

    /// <summary><c>y = (x - mean)·scale + shift</c>. <paramref name="y"/> may be <paramref name="x"/>.</summary>
    public static void Normalize(
        ReadOnlySpan<float> x, ReadOnlySpan<float> mean, ReadOnlySpan<float> scale, ReadOnlySpan<float> shift, Span<float> y) =>
        RowKernels<AnyWidth>.Normalize(x, mean, scale, shift, y);

    /// <summary><c>dx = a·dy + (a·(x - mean))·k + e</c>. <paramref name="inputGradient"/> may be an input.</summary>
    public static void InputGradient(
        ReadOnlySpan<float> outputGradient, ReadOnlySpan<float> x, ReadOnlySpan<float> a, ReadOnlySpan<float> k,
        ReadOnlySpan<float> mean, ReadOnlySpan<float> e, Span<float> inputGradient) =>
        RowKernels<AnyWidth>.InputGradient(outputGradient, x, a, k, mean, e, inputGradient);

    /// <summary>
    /// Per-channel mean and <c>M2 = Σ(x - mean)²</c> in one read: double sums shifted by each channel's first value.
    /// </summary>
    public static void Statistics(ReadOnlySpan<float> x, Span<double> mean, Span<double> m2) =>
        RowKernels<AnyWidth>.Statistics(x, mean, m2);

    /// <summary>Per-channel <c>Σdy</c> and <c>Σdy·(x - mean)</c> in double.</summary>
    public static void GradientSums(
        ReadOnlySpan<float> outputGradient, ReadOnlySpan<float> x, ReadOnlySpan<double> mean,
        Span<double> sumOutputGradient, Span<double> sumCenteredProduct) =>
        RowKernels<AnyWidth>.GradientSums(outputGradient, x, mean, sumOutputGradient, sumCenteredProduct);
}
