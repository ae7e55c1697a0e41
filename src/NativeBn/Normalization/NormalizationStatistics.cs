namespace NativeBn.Normalization;

/// <summary>Which mean and variance a forward pass normalizes with.</summary>
public enum NormalizationStatistics
{
    /// <summary>The statistics of the batch being processed (training).</summary>
    Batch,

    /// <summary>The running (moving-average) statistics.</summary>
    Running,

    /// <summary>The exact population statistics set with <see cref="BatchNorm.SetPopulationStatistics(PopulationStatistics)"/>.</summary>
    Population,
}
