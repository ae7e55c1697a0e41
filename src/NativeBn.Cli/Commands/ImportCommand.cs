using System.CommandLine;
using NativeBn.Model;
using NativeBn.Interop;
using NativeBn.Interop.Safetensors;
using NativeBn.Network;
using NativeBn.Normalization;

namespace NativeBn.Cli.Commands;

/// <summary><c>nativebn import</c>: an ONNX or safetensors model into the native format.</summary>
internal static class ImportCommand
{
    public static Command Create(CliContext context)
    {
        var input = new Option<FileInfo>("--input") { Description = "The .onnx or .safetensors file", Required = true };
        var output = new Option<FileInfo>("--output") { Description = "The native model file to write", Required = true };
        var architecture = CommonOptions.Architecture();
        var command = new Command("import", "Convert an ONNX or safetensors (PyTorch or Keras naming; a state_dict with --architecture) model into a native model file")
        {
            input, output, architecture,
        };
        command.SetAction(parse => Cli.Guard(context, () =>
        {
            OutputFile.Check(parse.GetValue(output), "--output", (parse.GetValue(input), "--input"), (parse.GetValue(architecture), "--architecture"));
            FileInfo source = parse.GetValue(input)!;
            string extension = Path.GetExtension(source.Name).ToLowerInvariant();
            if (extension is not (".onnx" or ".safetensors"))
            {
                throw new CliException($"--input must be a .onnx or .safetensors file, got '{source.Name}'.");
            }

            ModelDescription model = CommonOptions.Load(parse, input, "--input", architecture);
            ModelFormats.Save(model, parse.GetValue(output)!.FullName);
            context.Output.WriteLine($"{model.Nodes.Length} nodes ({string.Join(", ", model.Nodes.Select(n => n.Kind))}), input {model.Input.Shape}, output {model.ShapeOf(model.Output)}; wrote {parse.GetValue(output)!.FullName}");
        }));
        return command;
    }
}
