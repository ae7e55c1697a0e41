using System.CommandLine;
using System.Globalization;
using System.Text;
using NativeBn.Data;
using NativeBn.Interop;
using NativeBn.Model;
using NativeBn.Network;
using NativeBn.Serialization;

namespace NativeBn.Cli.Commands;

/// <summary>
/// <c>nativebn predict</c>: the model's output for samples given as CSV rows (a file or standard input). A model that
/// ends in Softmax prints <c>class,p0,p1,...</c>; any other model prints its outputs <c>y0,y1,...</c> as its graph
/// computes them (<c>--classes</c> asks for class and softmax probabilities anyway). Values are printed so that they
/// parse back to the same float, under a header row naming the columns.
/// </summary>
internal static class PredictCommand
{
    public static Command Create(CliContext context)
    {
        var model = new Option<FileInfo>("--model") { Description = "A .onnx, .safetensors or native model file", Required = true };
        var input = new Option<FileInfo?>("--input") { Description = "CSV file, one sample of features per row (default: standard input)" };
        var output = new Option<FileInfo?>("--output") { Description = "Write the CSV results here instead of standard output" };
        var classes = new Option<bool>("--classes")
        {
            Description = "Print the class and softmax probabilities even when the model does not end in Softmax (its outputs are then taken as logits)",
        };
        var regime = CommonOptions.Regime("running");
        var command = new Command("predict", "Predict samples: prints the model's outputs per row (class and probabilities for models ending in Softmax)")
        {
            model, input, output, classes, regime,
        };
        command.SetAction(parse => Cli.Guard(context, () =>
        {
            OutputFile.Check(parse.GetValue(output), "--output", (parse.GetValue(input), "--input"), (parse.GetValue(model), "--model"));
            ModelDescription description = ModelFormats.Load(parse.GetValue(model)!.FullName);
            InferenceRegime inference = CommonOptions.ParseRegime(parse.GetValue(regime)!);
            CommonOptions.RequirePopulation(description, inference);
            InferencePlan plan = InferencePlan.Build(description, inference);
            FileInfo? inputFile = parse.GetValue(input);
            CsvTable table = inputFile is null
                ? CsvReader.Read(context.Input, "standard input", CsvLabel.None)
                : CsvReader.ReadFile(inputFile.FullName, CsvLabel.None);
            (float[] features, int width) = (table.Features, table.Width);
            if (width != plan.InputWidth)
            {
                throw new CliException($"The input rows have {width} features; the model takes {plan.InputWidth}.");
            }

            bool probabilities = description.EndsInSoftmax || parse.GetValue(classes);
            bool applySoftmax = probabilities && !description.EndsInSoftmax;
            var values = new float[plan.OutputWidth];
            var shown = new float[plan.OutputWidth];
            var text = new StringBuilder(probabilities ? "class" : "");
            for (int k = 0; k < values.Length; k++)
            {
                text.Append(probabilities ? ",p" : k == 0 ? "y" : ",y").Append(k.ToString(CultureInfo.InvariantCulture));
            }

            text.Append('\n');
            for (int row = 0; row < features.Length / width; row++)
            {
                plan.Predict(features.AsSpan(row * width, width), values);
                if (applySoftmax)
                {
                    SoftmaxCrossEntropy.Softmax(values, shown, shown.Length);
                }
                else
                {
                    values.CopyTo(shown);
                }

                if (probabilities)
                {
                    text.Append(Evaluation.ArgMax(shown).ToString(CultureInfo.InvariantCulture)).Append(',');
                }

                for (int k = 0; k < shown.Length; k++)
                {
                    text.Append(k == 0 ? "" : ",").Append(shown[k].ToString(CultureInfo.InvariantCulture));
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
