namespace NativeBn.Network;

/// <summary>
/// Training produced NaN or infinity (in the loss or inside the network) from finite data: the steps were too large
/// (typically the learning rate). The model's weights are no longer usable.
/// </summary>
public sealed class TrainingDivergedException : Exception
{
    /// <summary>Divergence at a known place in training.</summary>
    public TrainingDivergedException(string where, Exception? inner = null)
        : base($"training diverged at {where}: the loss or an activation became NaN or infinite", inner) => Where = where;

    /// <summary>Where it happened, like "epoch 2, step 17".</summary>
    public string Where { get; }
}
