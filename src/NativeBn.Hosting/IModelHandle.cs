namespace NativeBn.Hosting;

/// <summary>
/// One named model being served. <see cref="Current"/> is an immutable <see cref="ModelSnapshot"/> replaced as a whole
/// by one atomic reference exchange when a reload succeeds; a reload that fails (unreadable source, invalid contents,
/// a model that cannot be compiled, or input or output widths different from the serving model's) leaves the serving
/// snapshot in place and records the error. All members are thread-safe.
/// </summary>
public interface IModelHandle
{
    /// <summary>The model's configured name.</summary>
    string Name { get; }

    /// <summary>The snapshot serving now.</summary>
    ModelSnapshot Current { get; }

    /// <summary>The error of the last reload, or null when the last reload (or the first load) succeeded.</summary>
    Exception? LastError { get; }

    /// <summary>Reloads that failed since the handle was created.</summary>
    long FailedReloadCount { get; }

    /// <summary>
    /// Predicts one sample with the snapshot serving when the call starts, used for the whole call even if a swap
    /// happens meanwhile; returns that snapshot, so callers can tell which model version made the prediction.
    /// Allocation-free after the calling thread's first prediction.
    /// </summary>
    /// <param name="sample">Features, length <c>Current.Plan.InputWidth</c>.</param>
    /// <param name="output">Receives the output, length <c>Current.Plan.OutputWidth</c>.</param>
    /// <exception cref="ArgumentException">A length differs from the model's (counted as a prediction error).</exception>
    ModelSnapshot Predict(ReadOnlySpan<float> sample, Span<float> output);

    /// <summary>
    /// Reads the model's source again and swaps the new model in. Returns true when it serves now; false when the
    /// reload failed and the previous snapshot keeps serving (see <see cref="LastError"/>). Reloads of one handle run one
    /// at a time; predictions continue meanwhile.
    /// </summary>
    bool Reload();

    /// <summary>
    /// The drift report of the serving snapshot, computed when read: per BatchNorm layer, the largest mean shift (in stored
    /// standard deviations) and log variance ratio over channels of the inputs of the sampled predictions in the window,
    /// against the statistics the model normalizes with; or, for a folded model, why there is nothing to observe.
    /// </summary>
    ModelDrift Drift { get; }

    /// <summary>
    /// Replaces every BatchNorm layer's population statistics with the moments of its inputs over the serving snapshot's
    /// drift window and swaps the result in, served in the Population regime, as a new version (its content hash is that
    /// of the model's bytes as <see cref="NativeBn.Serialization.ModelFile"/> saves them); logged and counted as a
    /// successful reload. The first BatchNorm layer (and any with no BatchNorm upstream) gets exactly its window's
    /// statistics; a later layer's were collected while the layers before it normalized with their old statistics, so
    /// they are approximate when those change: the new snapshot's monitor starts fresh, and recalibrating again after
    /// another window corrects the next layer down (layer by layer, as the offline recalibration does in one pass).
    /// A later <see cref="Reload"/> reads the source again and discards the recalibration; save
    /// <see cref="ModelSnapshot.Model"/> to keep it.
    /// </summary>
    /// <returns>The new snapshot, now serving.</returns>
    /// <exception cref="InvalidOperationException">
    /// Monitoring is off, the plan is folded or has no BatchNorm layer, or the window is not full yet; nothing changes.
    /// </exception>
    ModelSnapshot Recalibrate();
}
