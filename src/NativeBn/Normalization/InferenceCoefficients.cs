using NativeBn.Kernels;

namespace NativeBn.Normalization;

/// <summary>
/// Folded per-channel coefficients <c>scale = gamma/sqrt(var + eps)</c>, <c>shift = beta - mean·scale</c> for one
/// statistics source, tagged with the layer version they were computed from. Computed in double, stored as float, each
/// set of C from a 64-byte boundary (see <see cref="AlignedFloatArray"/>).
/// </summary>
internal sealed class InferenceCoefficients(int channels)
{
    private readonly AlignedFloatArray _scale = new(channels);
    private readonly AlignedFloatArray _shift = new(channels);
    private long _version = -1;

    public Span<float> Scale => _scale.Span;

    public Span<float> Shift => _shift.Span;

    public bool IsCurrent(long version) => Volatile.Read(ref _version) == version;

    /// <summary>
    /// Recomputes the coefficients. Concurrent callers write identical values, so readers see correct values
    /// whichever write they observe; the version is published last.
    /// </summary>
    public void Refresh(
        long version, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
        ReadOnlySpan<double> mean, ReadOnlySpan<double> variance, double epsilon)
    {
        Compute(gamma, beta, mean, variance, epsilon, Scale, Shift);
        Volatile.Write(ref _version, version);
    }

    /// <summary><c>scale = gamma/sqrt(var + eps)</c>, <c>shift = beta - mean·scale</c> in double, rounded to float.</summary>
    public static void Compute(
        ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, ReadOnlySpan<double> mean, ReadOnlySpan<double> variance,
        double epsilon, Span<float> scale, Span<float> shift)
    {
        for (int c = 0; c < scale.Length; c++)
        {
            double s = gamma[c] / Math.Sqrt(variance[c] + epsilon);
            scale[c] = (float)s;
            shift[c] = (float)(beta[c] - mean[c] * s);
        }
    }
}
