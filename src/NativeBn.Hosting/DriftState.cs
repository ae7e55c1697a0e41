namespace NativeBn.Hosting;

/// <summary>Where a model's drift monitoring stands (see <see cref="ModelDrift"/>).</summary>
public enum DriftState
{
    /// <summary>Monitoring is off in the model's options.</summary>
    Disabled,

    /// <summary>
    /// The plan has no BatchNorm layer whose input could be observed: the model has none, or every one was folded into
    /// the layer before it (the Folded regime). Serve the Running or Population regime to monitor drift.
    /// </summary>
    NothingToObserve,

    /// <summary>Collecting: fewer sampled predictions than a window since this snapshot started serving; nothing is flagged yet.</summary>
    Filling,

    /// <summary>The window is full: the values cover the last window of sampled predictions and layers past a threshold are flagged.</summary>
    Ready,
}
