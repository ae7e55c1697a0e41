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
        for (int c = 0; c < Scale.Length; c++)
        {
            double scale = gamma[c] / Math.Sqrt(variance[c] + epsilon);
            Scale[c] = (float)scale;
            Shift[c] = (float)(beta[c] - mean[c] * scale);
        }

        Volatile.Write(ref _version, version);
    }
}
