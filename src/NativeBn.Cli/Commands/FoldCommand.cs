using System.CommandLine;
using NativeBn.Network;

namespace NativeBn.Cli.Commands;

/// <summary><c>nativebn fold</c>: an inference-only model with BatchNorm folded into the dense layers.</summary>
internal static class FoldCommand
{
    public static Command Create(CliContext context)
    {
        var model = CommonOptions.Model();
        var output = new Option<FileInfo>("--output") { Description = "Where to write the folded model", Required = true };
        var command = new Command("fold", "Fold every BatchNorm into the dense layer before it (population statistics where present)") { model, output };
        command.SetAction(parse => Cli.Guard(context, () =>
        {
            Sequential network = ModelFiles.Load(parse.GetValue(model)!);
            Sequential folded = ModelFolding.Fold(network);
            ModelFiles.Save(folded, parse.GetValue(output)!, Interop.Safetensors.SafetensorsNaming.PyTorch, Normalization.NormalizationStatistics.Running);
            context.Output.WriteLine($"{network.Layers.Count} layers → {folded.Layers.Count} layers; wrote {parse.GetValue(output)!.FullName}");
        }));
        return command;
    }
}
