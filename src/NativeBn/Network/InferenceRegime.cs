namespace NativeBn.Network;

/// <summary>Which statistics BatchNorm layers use when a model makes predictions.</summary>
public enum InferenceRegime
{
    /// <summary>
    /// The statistics of the batch being predicted, as a model left in training mode does: results depend on which
    /// samples share the batch, and a batch of one normalizes every feature to beta.
    /// </summary>
    BatchStatistics,

    /// <summary>The running (moving-average) statistics collected during training.</summary>
    Running,

    /// <summary>The exact population statistics (see <see cref="PopulationRecalibration"/>).</summary>
    Population,

    /// <summary>BatchNorm folded into the preceding dense layer, using population statistics when set, else running ones.</summary>
    Folded,
}
