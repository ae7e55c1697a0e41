using System.CommandLine;
using NativeBn.Model;
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
            OutputFile.Check(parse.GetValue(output), "--output", (parse.GetValue(model), "--model"));
            ModelDescription description = ModelFormats.Load(parse.GetValue(model)!.FullName);
            ModelDescription folded = ModelFolding.Fold(description);
            ModelFormats.Save(folded, parse.GetValue(output)!.FullName);
            context.Output.WriteLine($"{description.Nodes.Length} nodes → {folded.Nodes.Length} nodes; wrote {parse.GetValue(output)!.FullName}");
        }));
        return command;
    }
}
