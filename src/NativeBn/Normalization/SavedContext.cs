namespace NativeBn.Normalization;

/// <summary>
/// What a forward pass keeps for its backward pass, per channel: the statistics it normalized with, their
/// inverse standard deviation, the renormalization factors, and <c>A = gamma·r·invstd</c> (gamma as it was
/// during the forward pass, so a parameter update in between does not change the gradient).
/// </summary>
internal sealed class SavedContext(int channels)
{
    public double[] Mean { get; } = new double[channels];

    /// <summary>Biased batch variance, or the stored variance used.</summary>
    public double[] Variance { get; } = new double[channels];

    public double[] InverseStd { get; } = new double[channels];

    public double[] A { get; } = new double[channels];

    public double[] R { get; } = new double[channels];

    public double[] D { get; } = new double[channels];

    public bool IsSet { get; set; }

    /// <summary>The local batch's shape; <c>default</c> for a participant without data in a synchronized batch.</summary>
    public TensorShape Shape { get; set; }

    /// <summary>Values per channel the statistics covered (the whole batch when synchronized).</summary>
    public long Count { get; set; }

    public NormalizationStatistics NormalizedWith { get; set; }

    public bool TrainAffine { get; set; }
}
