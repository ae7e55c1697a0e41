namespace NativeBn.Normalization;

/// <summary>
/// Folded per-channel coefficients <c>scale = gamma/sqrt(var + eps)</c>, <c>shift = beta - mean·scale</c> for one
/// statistics source, tagged with the layer version they were computed from. Computed in double, stored as float.
/// </summary>
internal sealed class InferenceCoefficients(int channels)
{
    private long _version = -1;

    public float[] Scale { get; } = new float[channels];

    public float[] Shift { get; } = new float[channels];

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
