using System.CommandLine;
using NativeBn.Interop;
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
            Sequential network = ModelFormats.Load(parse.GetValue(model)!.FullName);
            Sequential folded = ModelFolding.Fold(network);
            ModelFormats.Save(folded, parse.GetValue(output)!.FullName);
            context.Output.WriteLine($"{network.Layers.Count} layers → {folded.Layers.Count} layers; wrote {parse.GetValue(output)!.FullName}");
        }));
        return command;
    }
}
