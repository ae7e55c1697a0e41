namespace NativeBn.Normalization;

/// <summary>
/// What a training forward pass does when each channel has a single value (N·H·W = 1), where the batch
/// variance is 0 and every output would equal beta.
/// </summary>
public enum SingleValuePolicy
{
    /// <summary>Throw an <see cref="ArgumentException"/> (PyTorch: "Expected more than 1 value per channel when training").</summary>
    Throw,

    /// <summary>Normalize with the running statistics and skip the running-statistics update.</summary>
    UseRunningStatistics,

    /// <summary>
    /// Normalize with the batch statistics anyway, as Keras does (no check): every output equals beta, the classic
    /// symptom of a model evaluated in training mode one sample at a time. The running-statistics update is skipped.
    /// </summary>
    NormalizeAnyway,
}
