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
/// <c>nativebn predict</c>: the model's output for samples given as CSV rows (a file or standard input), a NumPy .npy
/// array or IDX images, one output row per sample in the file's order. A model that
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
        var npy = new Option<FileInfo?>("--npy")
        {
            Description = "NumPy .npy file of samples instead of CSV: little-endian float32 or float64, [N, features] or [N, C, H, W] in C order",
        };
        var images = new Option<FileInfo?>("--images") { Description = "IDX image file of samples instead of CSV (MNIST layout, optionally gzipped)" };
        var output = new Option<FileInfo?>("--output") { Description = "Write the CSV results here instead of standard output" };
        var classes = new Option<bool>("--classes")
        {
            Description = "Print the class and softmax probabilities even when the model does not end in Softmax (its outputs are then taken as logits)",
        };
        var regime = CommonOptions.Regime("running");
        var command = new Command("predict", "Predict samples (CSV rows, a .npy array or IDX images): prints the model's outputs per sample (class and probabilities for models ending in Softmax)")
        {
            model, input, npy, images, output, classes, regime,
        };
        command.SetAction(parse => Cli.Guard(context, () =>
        {
            OutputFile.Check(
                parse.GetValue(output), "--output", (parse.GetValue(input), "--input"), (parse.GetValue(npy), "--npy"), (parse.GetValue(images), "--images"), (parse.GetValue(model), "--model"));
            ModelDescription description = ModelFormats.Load(parse.GetValue(model)!.FullName);
            InferenceRegime inference = CommonOptions.ParseRegime(parse.GetValue(regime)!);
            CommonOptions.RequirePopulation(description, inference);
            InferencePlan plan = InferencePlan.Build(description, inference);
            ResolvedData samples = Samples(parse.GetValue(input), parse.GetValue(npy), parse.GetValue(images), context.Input);
            samples.RequireInput(description.Input.Shape);
            Dataset data = samples.Test;

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
            for (int row = 0; row < data.Count; row++)
            {
                plan.Predict(data.Sample(row), values);
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

    /// <summary>The samples to predict: a .npy array, IDX images, or CSV rows from --input or standard input (one source).</summary>
    private static ResolvedData Samples(FileInfo? csv, FileInfo? npy, FileInfo? images, TextReader standardInput)
    {
        if ((csv is null ? 0 : 1) + (npy is null ? 0 : 1) + (images is null ? 0 : 1) > 1)
        {
            throw new CliException("Give one source of samples: --input (CSV), --npy or --images, not several.");
        }

        if (npy is not null)
        {
            NpyFeatures read = NpyReader.ReadFeatures(npy.FullName);
            return ResolvedData.Single(read.Data, npy.Name, npy.Name, read.SampleShape);
        }

        if (images is not null)
        {
            (Dataset data, int rows, int columns) = IdxReader.ReadSized(images.FullName, null);
            return ResolvedData.Single(data, images.Name, images.Name, [rows, columns]);
        }

        string source = csv?.Name ?? "standard input";
        CsvTable table = csv is null ? CsvReader.Read(standardInput, source, CsvLabel.None) : CsvReader.ReadFile(csv.FullName, CsvLabel.None);
        return ResolvedData.Single(Dataset.Unlabeled(table.Features, table.Width), source, source, [table.Width]);
    }
}
