using System.CommandLine;
using NativeBn.Model;
using NativeBn.Interop;
using NativeBn.Interop.Safetensors;
using NativeBn.Network;
using NativeBn.Normalization;

namespace NativeBn.Cli.Commands;

/// <summary><c>nativebn export</c>: a model to ONNX (opset 15) or safetensors.</summary>
internal static class ExportCommand
{
    public static Command Create(CliContext context)
    {
        var model = CommonOptions.Model();
        var output = new Option<FileInfo>("--output") { Description = "A .onnx or .safetensors file", Required = true };
        var naming = new Option<string>("--naming")
        {
            Description = "safetensors tensor names: pytorch (nn.Sequential indices; a model they cannot describe, such as a CNN, as its state_dict under its node names), "
                + "nodes (the state_dict under the node names), or keras",
            DefaultValueFactory = _ => "pytorch",
        };
        naming.AcceptOnlyFromAmong("pytorch", "nodes", "keras");
        var architecture = CommonOptions.Architecture();
        var statistics = new Option<string>("--statistics") { Description = "BatchNorm statistics to write: running or population", DefaultValueFactory = _ => "running" };
        statistics.AcceptOnlyFromAmong("running", "population");
        var command = new Command("export", "Write a model as ONNX (opset 15) or safetensors (PyTorch or Keras naming)") { model, output, naming, statistics, architecture };
        command.SetAction(parse => Cli.Guard(context, () =>
        {
            OutputFile.Check(parse.GetValue(output), "--output", (parse.GetValue(model), "--model"), (parse.GetValue(architecture), "--architecture"));
            FileInfo target = parse.GetValue(output)!;
            if (Path.GetExtension(target.Name).ToLowerInvariant() is not (".onnx" or ".safetensors"))
            {
                throw new CliException($"--output must end in .onnx or .safetensors, got '{target.Name}'.");
            }

            ModelDescription network = CommonOptions.Load(parse, model, "--model", architecture);
            NormalizationStatistics source = parse.GetValue(statistics) == "population" ? NormalizationStatistics.Population : NormalizationStatistics.Running;
            if (source == NormalizationStatistics.Population)
            {
                CommonOptions.RequirePopulation(network, InferenceRegime.Population);
            }

            SafetensorsNaming names = parse.GetValue(naming) switch
            {
                "keras" => SafetensorsNaming.Keras,
                "nodes" => SafetensorsNaming.PyTorchNodeNames,
                _ => SafetensorsNaming.PyTorch,
            };
            ModelFormats.Save(network, target.FullName, names, source);
            context.Output.WriteLine($"wrote {target.FullName}");
        }));
        return command;
    }
}
