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
}
