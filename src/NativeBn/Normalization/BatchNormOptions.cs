namespace NativeBn.Normalization;

/// <summary>
/// Options of a <see cref="BatchNorm"/> layer: numeric conventions, the policies for batches that burn users,
/// Batch Renormalization, and threading.
/// </summary>
public sealed record BatchNormOptions
{
    private readonly BatchNormConventions _conventions = BatchNormConventions.PyTorch;
    private readonly int _maxThreads = Environment.ProcessorCount;
    private readonly SingleValuePolicy _singleValue = SingleValuePolicy.Throw;
    private readonly NonFinitePolicy _nonFinite = NonFinitePolicy.Throw;

    /// <summary>Numeric conventions (default: <see cref="BatchNormConventions.PyTorch"/>).</summary>
    public BatchNormConventions Conventions
    {
        get => _conventions;
        init => _conventions = value ?? throw new ArgumentNullException(nameof(Conventions));
    }

    /// <summary>What training does with one value per channel (default: throw, as PyTorch does).</summary>
    public SingleValuePolicy SingleValue
    {
        get => _singleValue;
        init => _singleValue = Enum.IsDefined(value)
            ? value
            : throw new ArgumentOutOfRangeException(nameof(SingleValue), value, "Unknown single-value policy.");
    }

    /// <summary>What training does with NaN or infinity in a batch (default: throw).</summary>
    public NonFinitePolicy NonFinite
    {
        get => _nonFinite;
        init => _nonFinite = Enum.IsDefined(value)
            ? value
            : throw new ArgumentOutOfRangeException(nameof(NonFinite), value, "Unknown non-finite policy.");
    }

    /// <summary>Batch Renormalization in training with batch statistics, or null (default) for plain batch normalization.</summary>
    public BatchRenormalization? Renormalization { get; init; }

    /// <summary>
    /// Most threads one call uses (default: the processor count; 1 keeps every call on the caller's thread).
    /// Tensors of at least <c>4 × 65,536</c> values are cut into fixed chunks that threads share; results are
    /// bit-identical for every thread count. Threads come from a fixed team of background workers, so calls that use
    /// them allocate nothing either.
    /// </summary>
    public int MaxThreads
    {
        get => _maxThreads;
        init => _maxThreads = value >= 1
            ? value
            : throw new ArgumentOutOfRangeException(nameof(MaxThreads), value, $"MaxThreads must be at least 1, got {value}.");
    }

    /// <summary>
    /// Synchronizes batch statistics across the participants of a data-parallel job (SyncBatchNorm), or null (default)
    /// for statistics of the local batch only. See <see cref="IBatchStatisticsSynchronizer"/>.
    /// </summary>
    public IBatchStatisticsSynchronizer? Synchronizer { get; init; }

    /// <summary>Options with the given conventions and default policies.</summary>
    public static BatchNormOptions For(BatchNormConventions conventions) => new() { Conventions = conventions };
}
