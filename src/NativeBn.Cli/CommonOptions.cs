using System.CommandLine;
using NativeBn.Model;
using NativeBn.Network;

namespace NativeBn.Cli;

/// <summary>Options several commands share, and their parsing.</summary>
internal static class CommonOptions
{
    public static Option<FileInfo> Model() => new("--model") { Description = "NativeBn model file", Required = true };

    public static Option<string> Regime(string defaultValue)
    {
        var option = new Option<string>("--regime")
        {
            Description = "BatchNorm statistics for prediction: running, population or folded",
            DefaultValueFactory = _ => defaultValue,
        };
        option.AcceptOnlyFromAmong("running", "population", "folded");
        return option;
    }

    public static InferenceRegime ParseRegime(string name) => name switch
    {
        "population" => InferenceRegime.Population,
        "folded" => InferenceRegime.Folded,
        _ => InferenceRegime.Running,
    };

    /// <summary>Throws a user error when a model has no population statistics but a regime needs them.</summary>
    public static void RequirePopulation(ModelDescription model, InferenceRegime regime)
    {
        if (regime == InferenceRegime.Population && model.BatchNorms.Any(b => b.Population is null))
        {
            throw new CliException("The model has no population statistics; run 'nativebn recalibrate' first or use --regime running.");
        }
    }
}
