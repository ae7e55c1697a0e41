using System.CommandLine;
using NativeBn.Interop;
using NativeBn.Model;
using NativeBn.Network;

namespace NativeBn.Cli;

/// <summary>Options several commands share, and their parsing.</summary>
internal static class CommonOptions
{
    public static Option<FileInfo> Model() => new("--model") { Description = "NativeBn model file", Required = true };

    public static Option<FileInfo?> Architecture() => new("--architecture")
    {
        Description = "For a .safetensors state_dict of a model that is not sequential (e.g. a PyTorch CNN): the architecture, an .onnx or native model file, "
            + "whose node names are the state_dict prefixes (PyTorch's ONNX export with training=TrainingMode.PRESERVE keeps them)",
    };

    /// <summary>
    /// The model a command reads from <paramref name="model"/> (given as <paramref name="modelOption"/>), with the weights of a
    /// safetensors state_dict applied to <paramref name="architecture"/> when that option is given.
    /// </summary>
    public static ModelDescription Load(ParseResult parse, Option<FileInfo> model, string modelOption, Option<FileInfo?> architecture)
    {
        FileInfo file = parse.GetValue(model)!;
        FileInfo? graph = parse.GetValue(architecture);
        if (graph is not null && !file.Extension.Equals(".safetensors", StringComparison.OrdinalIgnoreCase))
        {
            throw new CliException($"--architecture applies the weights of a .safetensors {modelOption}; {modelOption} {file} is not one.");
        }

        if (graph is not null && graph.Extension.Equals(".safetensors", StringComparison.OrdinalIgnoreCase))
        {
            throw new CliException($"--architecture {graph} must be an .onnx or native model file, not safetensors.");
        }

        return ModelFormats.Load(file.FullName, graph?.FullName);
    }

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
