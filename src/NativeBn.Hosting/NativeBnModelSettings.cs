using NativeBn.Network;

namespace NativeBn.Hosting;

/// <summary>
/// One model as configuration describes it, under <c>Models:{name}</c> of the section given to
/// <see cref="Microsoft.Extensions.DependencyInjection.NativeBnServiceCollectionExtensions.AddNativeBn(Microsoft.Extensions.DependencyInjection.IServiceCollection, Microsoft.Extensions.Configuration.IConfiguration)"/>;
/// the key is the model's name. Each property means what the <see cref="NativeBnModelOptions"/> property of the same
/// name means; only files can be configured (streams are code-only).
/// </summary>
internal sealed class NativeBnModelSettings
{
    public string? Path { get; set; }

    public NativeBnModelFormat Format { get; set; } = NativeBnModelFormat.Auto;

    public InferenceRegime Regime { get; set; } = InferenceRegime.Running;

    public bool WatchFile { get; set; }

    public TimeSpan? WatchDebounce { get; set; }

    public bool? DriftMonitoring { get; set; }

    public int? DriftSampleEvery { get; set; }

    public int? DriftWindow { get; set; }

    public double? DriftMeanShiftThreshold { get; set; }

    public double? DriftLogVarianceThreshold { get; set; }
}
