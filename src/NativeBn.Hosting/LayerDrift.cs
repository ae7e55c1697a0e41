namespace NativeBn.Hosting;

/// <summary>
/// The drift of one BatchNorm layer's input over the window: each channel's observed mean and biased variance compared
/// with the mean and variance the serving plan normalizes with (running or population, as its regime chose), and the
/// worst channel of each measure.
/// </summary>
public sealed class LayerDrift
{
    internal LayerDrift(
        string name, int channels, int valuesPerChannel, int sampledPredictions, double meanShift, int meanShiftChannel,
        double logVarianceRatio, int logVarianceRatioChannel, bool isPastThreshold)
    {
        Name = name;
        Channels = channels;
        ValuesPerChannel = valuesPerChannel;
        SampledPredictions = sampledPredictions;
        MeanShift = meanShift;
        MeanShiftChannel = meanShiftChannel;
        LogVarianceRatio = logVarianceRatio;
        LogVarianceRatioChannel = logVarianceRatioChannel;
        IsPastThreshold = isPastThreshold;
    }

    /// <summary>The BatchNorm node's name.</summary>
    public string Name { get; }

    /// <summary>Channels of the layer.</summary>
    public int Channels { get; }

    /// <summary>Values per channel per prediction: H·W for images, 1 for features.</summary>
    public int ValuesPerChannel { get; }

    /// <summary>Sampled predictions the values cover (0 before the first block of the window is complete).</summary>
    public int SampledPredictions { get; }

    /// <summary>
    /// The largest over channels of <c>|observed mean - stored mean| / sqrt(stored variance + epsilon)</c>: how far the
    /// inputs moved, in units of the standard deviation the layer divides by. 0 before any sampled prediction.
    /// </summary>
    public double MeanShift { get; }

    /// <summary>The channel of <see cref="MeanShift"/>.</summary>
    public int MeanShiftChannel { get; }

    /// <summary>
    /// The value of largest magnitude over channels of <c>ln((observed variance + epsilon) / (stored variance + epsilon))</c>:
    /// positive when the inputs spread wider than the layer assumes, negative when narrower (0.69: twice the variance).
    /// </summary>
    public double LogVarianceRatio { get; }

    /// <summary>The channel of <see cref="LogVarianceRatio"/>.</summary>
    public int LogVarianceRatioChannel { get; }

    /// <summary>
    /// True when the window is full and <see cref="MeanShift"/> exceeds <see cref="NativeBnModelOptions.DriftMeanShiftThreshold"/>
    /// or <c>|LogVarianceRatio|</c> exceeds <see cref="NativeBnModelOptions.DriftLogVarianceThreshold"/>.
    /// </summary>
    public bool IsPastThreshold { get; }
}
