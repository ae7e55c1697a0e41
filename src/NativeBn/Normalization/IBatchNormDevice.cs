namespace NativeBn.Normalization;

/// <summary>
/// Where the tensors of one BatchNorm pass live and how the passes' per-element work runs on them: the CPU kernels on
/// spans (what <see cref="BatchNorm.Forward(ReadOnlySpan{float}, TensorShape, Span{float}, BatchNormMode)"/> uses), or
/// a GPU (NativeBn.Cuda). <see cref="BatchNorm"/> runs one sequence of decisions for every device (modes, policies,
/// synchronization across participants, running statistics, per-channel coefficients computed in double on the host)
/// and calls the device only for the steps that touch the tensors. Per-channel spans have length C; tensors are in the
/// pass's <see cref="TensorShape"/>. Implementations may be ref structs.
/// </summary>
public interface IBatchNormDevice
{
    /// <summary>Throws <see cref="ArgumentException"/> naming the buffer when a buffer does not hold <paramref name="shape"/>.</summary>
    void Validate(TensorShape shape);

    /// <summary>Per-channel mean and <c>M2 = Σ(x - mean)²</c> of the input, in double.</summary>
    void Moments(scoped Span<double> mean, scoped Span<double> m2);

    /// <summary>The normalize step with batch statistics: <c>y = (x - mean)·scale + shift</c>.</summary>
    void NormalizeCentered(scoped ReadOnlySpan<float> mean, scoped ReadOnlySpan<float> scale, scoped ReadOnlySpan<float> shift);

    /// <summary>The normalize step with stored statistics: <c>y = x·scale + shift</c>.</summary>
    void NormalizeAffine(scoped ReadOnlySpan<float> scale, scoped ReadOnlySpan<float> shift);

    /// <summary>The backward reductions in double: <c>Σdy</c> and <c>Σdy·(x - mean)</c> per channel.</summary>
    void GradientSums(scoped ReadOnlySpan<double> mean, scoped Span<double> sumOutputGradient, scoped Span<double> sumCenteredProduct);

    /// <summary>
    /// The input gradient with batch statistics: <c>dx = a·dy + (a·(x - mean))·k + e</c>, in this order of operations
    /// (a·(x - mean) first keeps every factor in float range for any standard deviation).
    /// </summary>
    void InputGradient(scoped ReadOnlySpan<float> a, scoped ReadOnlySpan<float> k, scoped ReadOnlySpan<float> mean, scoped ReadOnlySpan<float> e);

    /// <summary>The input gradient with stored statistics: <c>dx = a·dy</c>.</summary>
    void ScaleGradient(scoped ReadOnlySpan<float> a);
}
