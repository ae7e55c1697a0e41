using System.ComponentModel.DataAnnotations;
using NativeBn.Network;

namespace NativeBn.Hosting;

/// <summary>
/// One named model: where its bytes come from (a file <see cref="Path"/> or a stream from <see cref="OpenStream"/>,
/// exactly one of them), how they are read, which statistics its BatchNorm layers predict with, and whether a change
/// of its file swaps it in. Validated at start-up (<see cref="NativeBnOptionsValidator"/>).
/// </summary>
public sealed class NativeBnModelOptions : IValidatableObject
{
    /// <summary>The longest <see cref="WatchDebounce"/> accepted.</summary>
    public static readonly TimeSpan MaxWatchDebounce = TimeSpan.FromMinutes(1);

    /// <summary>The name the model is looked up by (<see cref="INativeBnModels.Get"/>); unique per process, case-sensitive.</summary>
    [Required]
    public string Name { get; set; } = "";

    /// <summary>The model file; read again on every reload.</summary>
    public string? Path { get; set; }

    /// <summary>
    /// Opens a stream of the model's bytes, called once per load (the first and every reload) and disposed after
    /// reading. For models that do not live in a file (embedded resources, blobs).
    /// </summary>
    public Func<Stream>? OpenStream { get; set; }

    /// <summary>The format of the bytes; <see cref="NativeBnModelFormat.Auto"/> by default.</summary>
    public NativeBnModelFormat Format { get; set; } = NativeBnModelFormat.Auto;

    /// <summary>
    /// The statistics BatchNorm layers predict with: <see cref="InferenceRegime.Running"/> (the default),
    /// <see cref="InferenceRegime.Population"/> or <see cref="InferenceRegime.Folded"/>. Batch statistics make a
    /// single sample's prediction meaningless and are refused.
    /// </summary>
    public InferenceRegime Regime { get; set; } = InferenceRegime.Running;

    /// <summary>Reload when <see cref="Path"/> changes on disk (a <see cref="FileSystemWatcher"/> on its folder).</summary>
    public bool WatchFile { get; set; }

    /// <summary>
    /// How long the file must stay unchanged after a change before it is reloaded, so that one save (often several
    /// file-system events) gives one reload; 0 to <see cref="MaxWatchDebounce"/>, 500 ms by default.
    /// </summary>
    public TimeSpan WatchDebounce { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The most predictions per sampled one accepted by <see cref="DriftSampleEvery"/>.</summary>
    public const int MaxDriftSampleEvery = 1_000_000;

    /// <summary>The longest <see cref="DriftWindow"/> accepted, in sampled predictions.</summary>
    public const int MaxDriftWindow = 1 << 24;

    /// <summary>
    /// Keep streaming statistics of each BatchNorm layer's input over the predictions served and compare them with the
    /// statistics the model normalizes with (<see cref="IModelHandle.Drift"/>, metrics, health check). On by default: a
    /// prediction that is not sampled pays one counter increment, a sampled one a pass over the BatchNorm inputs.
    /// </summary>
    public bool DriftMonitoring { get; set; } = true;

    /// <summary>One prediction in this many is sampled for drift monitoring (per thread); 1 to <see cref="MaxDriftSampleEvery"/>, 16 by default.</summary>
    public int DriftSampleEvery { get; set; } = 16;

    /// <summary>
    /// Sampled predictions the drift signal covers, in 8 blocks (a multiple of 8, 64 to <see cref="MaxDriftWindow"/>;
    /// 512 by default, about 8,200 predictions at the default sampling). The signal covers the last 8 completed blocks,
    /// and nothing is flagged before the first window is full.
    /// </summary>
    public int DriftWindow { get; set; } = 512;

    /// <summary>
    /// A layer is flagged when a channel's window mean is further than this from the stored mean, in stored standard
    /// deviations (<c>sqrt(variance + epsilon)</c>); 0.25 by default (5.7 standard errors of a window mean over 512
    /// independent values).
    /// </summary>
    public double DriftMeanShiftThreshold { get; set; } = 0.25;

    /// <summary>
    /// A layer is flagged when a channel's <c>|ln((window variance + epsilon) / (stored variance + epsilon))|</c> exceeds
    /// this; 0.5 by default (a variance 1.65 times larger or smaller).
    /// </summary>
    public double DriftLogVarianceThreshold { get; set; } = 0.5;

    /// <summary>What the model is read from, for logs, errors and <see cref="ModelSnapshot.Source"/>.</summary>
    internal string SourceName => Path ?? $"stream of model '{Name}'";

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        string model = $"Model '{Name}'";
        if (string.IsNullOrWhiteSpace(Path) == (OpenStream is null))
        {
            yield return new ValidationResult(
                $"{model} needs exactly one source: a Path or an OpenStream factory; it has {(OpenStream is null ? "neither" : "both")}.",
                [nameof(Path), nameof(OpenStream)]);
        }

        if (WatchFile && string.IsNullOrWhiteSpace(Path))
        {
            yield return new ValidationResult($"{model} has WatchFile set but no Path to watch.", [nameof(WatchFile)]);
        }

        if (WatchDebounce < TimeSpan.Zero || WatchDebounce > MaxWatchDebounce)
        {
            yield return new ValidationResult(
                $"{model} has WatchDebounce {WatchDebounce}; expected 0 to {MaxWatchDebounce}.", [nameof(WatchDebounce)]);
        }

        if (Regime is not (InferenceRegime.Running or InferenceRegime.Population or InferenceRegime.Folded))
        {
            yield return new ValidationResult(
                $"{model} has Regime {Regime}; expected Running, Population or Folded (batch statistics do not serve single samples).",
                [nameof(Regime)]);
        }

        if (DriftSampleEvery is < 1 or > MaxDriftSampleEvery)
        {
            yield return new ValidationResult(
                $"{model} has DriftSampleEvery {DriftSampleEvery}; expected 1 to {MaxDriftSampleEvery}.", [nameof(DriftSampleEvery)]);
        }

        if (DriftWindow is < 64 or > MaxDriftWindow || DriftWindow % DriftMonitor.Blocks != 0)
        {
            yield return new ValidationResult(
                $"{model} has DriftWindow {DriftWindow}; expected a multiple of {DriftMonitor.Blocks} from 64 to {MaxDriftWindow} (sampled predictions).",
                [nameof(DriftWindow)]);
        }

        if (!(DriftMeanShiftThreshold > 0 && double.IsFinite(DriftMeanShiftThreshold)))
        {
            yield return new ValidationResult(
                $"{model} has DriftMeanShiftThreshold {DriftMeanShiftThreshold}; expected a finite number above 0 (stored standard deviations).",
                [nameof(DriftMeanShiftThreshold)]);
        }

        if (!(DriftLogVarianceThreshold > 0 && double.IsFinite(DriftLogVarianceThreshold)))
        {
            yield return new ValidationResult(
                $"{model} has DriftLogVarianceThreshold {DriftLogVarianceThreshold}; expected a finite number above 0.",
                [nameof(DriftLogVarianceThreshold)]);
        }

        if (!Enum.IsDefined(Format))
        {
            yield return new ValidationResult($"{model} has Format {Format}; expected Auto, Native, Onnx or Safetensors.", [nameof(Format)]);
        }
    }
}
