using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace NativeBn.Hosting;

/// <summary>
/// Reads models from a configuration section into <see cref="NativeBnOptions"/>, through the binder's source generator
/// (no reflection). The section holds one key, <c>Models</c>, whose children are the models by name:
/// <code>
/// "NativeBn": { "Models": { "digits": { "Path": "models/digits.nbm", "Regime": "Population", "WatchFile": true } } }
/// </code>
/// Keys are case-insensitive. A key that is not one of these (a misspelt setting) or a value that does not convert
/// (an unknown regime, a debounce that is not a time span) throws <see cref="OptionsValidationException"/> naming the
/// key; the values themselves are checked afterwards by <see cref="NativeBnOptionsValidator"/>.
/// </summary>
internal static class NativeBnConfiguration
{
    private const string ModelsKey = "Models";

    public static void Apply(IConfiguration section, NativeBnOptions options)
    {
        foreach (IConfigurationSection child in section.GetChildren())
        {
            if (!string.Equals(child.Key, ModelsKey, StringComparison.OrdinalIgnoreCase))
            {
                throw Invalid($"'{child.Path}' is not a NativeBn setting; the section holds only '{ModelsKey}' (the models by name).");
            }

            foreach (IConfigurationSection model in child.GetChildren())
            {
                options.Models.Add(Read(model));
            }
        }
    }

    private static NativeBnModelOptions Read(IConfigurationSection model)
    {
        if (model.Value is not null)
        {
            throw Invalid($"'{model.Path}' is the value '{model.Value}'; expected the settings of model '{model.Key}' (Path, Format, Regime, WatchFile, WatchDebounce, DriftMonitoring, DriftSampleEvery, DriftWindow, DriftMeanShiftThreshold, DriftLogVarianceThreshold).");
        }

        var settings = new NativeBnModelSettings();
        try
        {
            model.Bind(settings, binder => binder.ErrorOnUnknownConfiguration = true);
        }
        catch (InvalidOperationException e)
        {
            throw Invalid($"The settings of model '{model.Key}' at '{model.Path}' are invalid: {e.Message}");
        }

        var options = new NativeBnModelOptions
        {
            Name = model.Key,
            Path = settings.Path,
            Format = settings.Format,
            Regime = settings.Regime,
            WatchFile = settings.WatchFile,
        };
        options.WatchDebounce = settings.WatchDebounce ?? options.WatchDebounce;
        options.DriftMonitoring = settings.DriftMonitoring ?? options.DriftMonitoring;
        options.DriftSampleEvery = settings.DriftSampleEvery ?? options.DriftSampleEvery;
        options.DriftWindow = settings.DriftWindow ?? options.DriftWindow;
        options.DriftMeanShiftThreshold = settings.DriftMeanShiftThreshold ?? options.DriftMeanShiftThreshold;
        options.DriftLogVarianceThreshold = settings.DriftLogVarianceThreshold ?? options.DriftLogVarianceThreshold;

        return options;
    }

    private static OptionsValidationException Invalid(string message) =>
        new(Options.DefaultName, typeof(NativeBnOptions), [message]);
}
