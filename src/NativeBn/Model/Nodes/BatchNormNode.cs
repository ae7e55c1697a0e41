using System.Collections.Immutable;
using NativeBn.Normalization;

namespace NativeBn.Model.Nodes;

/// <summary>
/// Batch normalization over axis 1 (the channels) of <c>[N, C]</c> or <c>[N, C, H, W]</c>: its options (conventions,
/// policies, Batch Renormalization), gamma and beta, running statistics (variance in the options' convention) with
/// their update count, and optionally exact population statistics. The options' <see cref="BatchNormOptions.MaxThreads"/>
/// and <see cref="BatchNormOptions.Synchronizer"/> are settings of a run, not of the model: files do not keep them.
/// </summary>
public sealed class BatchNormNode : ModelNode
{
    /// <summary>A BatchNorm node; the arrays are copied and checked (finite, variances at least 0).</summary>
    public BatchNormNode(
        string name, string input, BatchNormOptions options, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
        ReadOnlySpan<double> runningMean, ReadOnlySpan<double> runningVariance, long batchesTracked,
        PopulationMoments? population = null)
        : base(name, [input], 1)
    {
        ArgumentNullException.ThrowIfNull(options);
        int channels = gamma.Length;
        if (channels < 1)
        {
            throw Invalid("needs at least one channel.");
        }

        foreach ((int length, string what) in new[]
        {
            (beta.Length, "beta"), (runningMean.Length, "the running mean"), (runningVariance.Length, "the running variance"),
            (population?.Mean.Length ?? channels, "the population mean"),
        })
        {
            if (length != channels)
            {
                throw Invalid($"{what} has {length} values; expected one per channel ({channels}, the length of gamma).");
            }
        }

        if (batchesTracked < 0)
        {
            throw Invalid($"the batch count is {batchesTracked}; it must be at least 0.");
        }

        Check.Finite(gamma, $"gamma of node '{name}'");
        Check.Finite(beta, $"beta of node '{name}'");
        Check.Finite(runningMean, $"the running mean of node '{name}'");
        Check.NonNegativeFinite(runningVariance, $"the running variance of node '{name}'");
        Options = options;
        Gamma = [.. gamma];
        Beta = [.. beta];
        RunningMean = [.. runningMean];
        RunningVariance = [.. runningVariance];
        BatchesTracked = batchesTracked;
        Population = population;
    }

    /// <inheritdoc />
    public override string Kind => "BatchNorm";

    /// <summary>Channels (the size of axis 1 of the input).</summary>
    public int Channels => Gamma.Length;

    /// <summary>Conventions, policies and Batch Renormalization.</summary>
    public BatchNormOptions Options { get; }

    /// <summary>Scale per channel.</summary>
    public ImmutableArray<float> Gamma { get; }

    /// <summary>Shift per channel.</summary>
    public ImmutableArray<float> Beta { get; }

    /// <summary>Running mean per channel.</summary>
    public ImmutableArray<double> RunningMean { get; }

    /// <summary>Running variance per channel, in the options' <see cref="BatchNormConventions.RunningVariance"/> convention.</summary>
    public ImmutableArray<double> RunningVariance { get; }

    /// <summary>Training batches the running statistics have seen (PyTorch's <c>num_batches_tracked</c>).</summary>
    public long BatchesTracked { get; }

    /// <summary>Exact population statistics of the layer's input, or null when none were collected.</summary>
    public PopulationMoments? Population { get; }

    /// <summary>The node for an engine layer's current state.</summary>
    public static BatchNormNode FromEngine(string name, string input, BatchNorm engine)
    {
        ArgumentNullException.ThrowIfNull(engine);
        PopulationMoments? population = engine.HasPopulationStatistics
            ? new PopulationMoments(engine.PopulationMean, engine.PopulationVariance, engine.PopulationCount)
            : null;
        return new BatchNormNode(name, input, engine.Options with { Synchronizer = null }, engine.Gamma, engine.Beta,
            engine.RunningMean, engine.RunningVariance, engine.BatchesTracked, population);
    }

    /// <summary>An engine layer in this node's state, with the given run options (threads, synchronizer).</summary>
    public BatchNorm CreateEngine(BatchNormOptions? runOptions = null)
    {
        BatchNormOptions options = runOptions is null
            ? Options
            : Options with { MaxThreads = runOptions.MaxThreads, Synchronizer = runOptions.Synchronizer };
        var engine = new BatchNorm(Channels, options);
        engine.SetParameters(Gamma.AsSpan(), Beta.AsSpan());
        engine.SetRunningStatistics(RunningMean.AsSpan(), RunningVariance.AsSpan(), BatchesTracked);
        if (Population is { } population)
        {
            engine.SetPopulationStatistics(population.Mean.AsSpan(), population.Variance.AsSpan(), population.Count);
        }

        return engine;
    }

    /// <summary>
    /// The mean and the variance to normalize with for <paramref name="source"/>: running (in the options' convention,
    /// which is what inference divides by) or population (biased).
    /// </summary>
    /// <exception cref="InvalidOperationException">Population statistics asked for but not collected.</exception>
    public (ImmutableArray<double> Mean, ImmutableArray<double> Variance) Statistics(NormalizationStatistics source) => source switch
    {
        NormalizationStatistics.Running => (RunningMean, RunningVariance),
        NormalizationStatistics.Population => Population is { } population
            ? (population.Mean, population.Variance)
            : throw new InvalidOperationException($"Node '{Name}' (BatchNorm) has no population statistics; recalibrate the model first."),
        _ => throw new ArgumentOutOfRangeException(nameof(source), source, "Stored statistics are Running or Population."),
    };

    /// <summary>This node with <paramref name="population"/> as its population statistics (null removes them).</summary>
    public BatchNormNode WithPopulation(PopulationMoments? population) =>
        new(Name, Inputs[0], Options, Gamma.AsSpan(), Beta.AsSpan(), RunningMean.AsSpan(), RunningVariance.AsSpan(), BatchesTracked, population);

    /// <inheritdoc />
    public override ShapeInfo InferShape(IReadOnlyList<ShapeInfo> inputs)
    {
        ShapeInfo input = inputs[0];
        if (input.Rank < 2 || input.Dimensions[1].IsBatch || input[1] != Channels)
        {
            throw Invalid($"normalizes axis 1 of [N, {Channels}] or [N, {Channels}, H, W], got {input}.");
        }

        return input;
    }

    /// <inheritdoc />
    public override ModelNode WithInputs(IEnumerable<string> inputs) =>
        new BatchNormNode(Name, inputs.Single(), Options, Gamma.AsSpan(), Beta.AsSpan(), RunningMean.AsSpan(), RunningVariance.AsSpan(), BatchesTracked, Population);
}
