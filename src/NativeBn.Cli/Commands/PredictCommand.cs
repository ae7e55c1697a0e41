using System.CommandLine;
using System.Globalization;
using System.Text;
using NativeBn.Data;
using NativeBn.Interop;
using NativeBn.Network;
using NativeBn.Serialization;

namespace NativeBn.Cli.Commands;

/// <summary><c>nativebn predict</c>: class and probabilities for samples given as CSV rows (a file or standard input).</summary>
internal static class PredictCommand
{
    public static Command Create(CliContext context)
    {
        var model = new Option<FileInfo>("--model") { Description = "A .onnx, .safetensors or native model file", Required = true };
        var input = new Option<FileInfo?>("--input") { Description = "CSV file, one sample of features per row (default: standard input)" };
        var output = new Option<FileInfo?>("--output") { Description = "Write the CSV results here instead of standard output" };
        var regime = CommonOptions.Regime("running");
        var command = new Command("predict", "Predict samples: prints 'class,p0,p1,...' per row") { model, input, output, regime };
        command.SetAction(parse => Cli.Guard(context, () =>
        {
            Sequential network = ModelFormats.Load(parse.GetValue(model)!.FullName);
            InferenceRegime inference = CommonOptions.ParseRegime(parse.GetValue(regime)!);
            CommonOptions.RequirePopulation(network, inference);
            FileInfo? inputFile = parse.GetValue(input);
            (float[] features, _, int width) = inputFile is null
                ? CsvReader.Read(context.Input, "standard input", labelColumn: false)
                : CsvReader.ReadFile(inputFile.FullName, labelColumn: false);
            if (width != network.InputWidth)
            {
                throw new CliException($"The input rows have {width} features; the model takes {network.InputWidth}.");
            }

            var probabilities = new float[network.OutputWidth];
            var text = new StringBuilder();
            for (int row = 0; row < features.Length / width; row++)
            {
                network.Predict(features.AsSpan(row * width, width), probabilities, inference);
                text.Append(Evaluation.ArgMax(probabilities).ToString(CultureInfo.InvariantCulture));
                foreach (float p in probabilities)
                {
                    text.Append(',').Append(p.ToString("G6", CultureInfo.InvariantCulture));
                }

                text.Append('\n');
            }

            if (parse.GetValue(output) is { } outputFile)
            {
                AtomicFile.WriteAllBytes(outputFile.FullName, Encoding.UTF8.GetBytes(text.ToString()));
            }
            else
            {
                context.Output.Write(text.ToString());
            }
        }));
        return command;
    }
}
