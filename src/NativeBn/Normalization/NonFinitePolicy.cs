namespace NativeBn.Normalization;

/// <summary>What a training forward pass does when a batch holds NaN or infinity.</summary>
public enum NonFinitePolicy
{
    /// <summary>Throw an <see cref="ArgumentException"/> naming the first affected channel; nothing changes.</summary>
    Throw,

    /// <summary>
    /// Normalize anyway (affected channels produce NaN), skip the running-statistics update so stored statistics
    /// are never poisoned, and report it in <see cref="BatchNormForwardResult.Update"/> and <see cref="BatchNorm.SkippedUpdates"/>.
    /// </summary>
    SkipUpdate,
}
