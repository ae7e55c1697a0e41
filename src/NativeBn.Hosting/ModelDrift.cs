using System.Collections.Immutable;

namespace NativeBn.Hosting;

/// <summary>
/// The drift report of the snapshot serving a model (<see cref="IModelHandle.Drift"/>), computed when asked: per
/// BatchNorm layer, in graph order, how the inputs of the sampled predictions in the window differ from the statistics
/// the model normalizes with. Each snapshot has its own monitor, so a reload or a recalibration starts a fresh window.
/// </summary>
public sealed class ModelDrift
{
    internal ModelDrift(
        long version, DriftState state, string description, int sampledPredictions, int windowLength, int sampleEvery,
        long skippedPredictions, ImmutableArray<LayerDrift> layers)
    {
        Version = version;
        State = state;
        Description = description;
        SampledPredictions = sampledPredictions;
        WindowLength = windowLength;
        SampleEvery = sampleEvery;
        SkippedPredictions = skippedPredictions;
        Layers = layers;
    }

    /// <summary>The version of the snapshot monitored.</summary>
    public long Version { get; }

    /// <summary>Whether there is a signal, and whether its window is full.</summary>
    public DriftState State { get; }

    /// <summary>A sentence saying what the report covers, or why there is no signal (for a folded model: there is no BatchNorm input to observe).</summary>
    public string Description { get; }

    /// <summary>Sampled predictions the values cover (whole blocks of the window).</summary>
    public int SampledPredictions { get; }

    /// <summary>Sampled predictions in a full window (<see cref="NativeBnModelOptions.DriftWindow"/>); 0 without a monitor.</summary>
    public int WindowLength { get; }

    /// <summary>One prediction in this many is sampled (<see cref="NativeBnModelOptions.DriftSampleEvery"/>); 0 without a monitor.</summary>
    public int SampleEvery { get; }

    /// <summary>Sampled predictions left out because a BatchNorm input held NaN or infinity.</summary>
    public long SkippedPredictions { get; }

    /// <summary>One entry per observed BatchNorm layer, in graph order; empty without a monitor.</summary>
    public ImmutableArray<LayerDrift> Layers { get; }

    /// <summary>True when some layer is past a threshold (only once the window is full).</summary>
    public bool IsDrifting => Layers.Any(l => l.IsPastThreshold);

    internal static ModelDrift Without(long version, DriftState state, string description) =>
        new(version, state, description, 0, 0, 0, 0, []);
}
