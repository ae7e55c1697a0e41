using System.CommandLine;
using System.Globalization;
using NativeBn.Diagnostics;
using NativeBn.Network;
using NativeBn.Normalization;
using NativeBn.Serialization;

namespace NativeBn.Cli.Commands;

/// <summary><c>nativebn train</c>: trains the demo network on a data set and saves the model.</summary>
internal static class TrainCommand
{
    public static Command Create(CliContext context)
    {
        var data = new DataOptions();
        var output = new Option<FileInfo>("--output") { Description = "Where to write the model", Required = true };
        var epochs = new Option<int>("--epochs") { DefaultValueFactory = _ => 5, Description = "Training epochs" };
        var batch = new Option<int>("--batch") { DefaultValueFactory = _ => 32, Description = "Training batch size" };
        var learningRate = new Option<double>("--lr") { DefaultValueFactory = _ => 1e-3, Description = "Adam learning rate" };
        var hidden = new Option<int>("--hidden") { DefaultValueFactory = _ => 64, Description = "Hidden width" };
        var dropout = new Option<double>("--dropout") { DefaultValueFactory = _ => 0, Description = "Dropout rate before BatchNorm (0 = none)" };
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => 1, Description = "Seed" };
        var conventions = new Option<string>("--conventions") { DefaultValueFactory = _ => "pytorch", Description = "BatchNorm conventions: pytorch, keras, tensorflow or onnx" };
        conventions.AcceptOnlyFromAmong("pytorch", "keras", "tensorflow", "onnx");
        var command = new Command("train", "Train input → Dense → BatchNorm → ReLU → Dense and save the model")
        {
            output, epochs, batch, learningRate, hidden, dropout, seed, conventions,
        };
        data.AddTo(command);
        command.SetAction(parse => Cli.Guard(context, () =>
        {
            var (train, test, description) = data.Resolve(parse);
            int epochCount = Positive(parse.GetValue(epochs), "--epochs");
            int batchSize = Positive(parse.GetValue(batch), "--batch");
            int hiddenWidth = Positive(parse.GetValue(hidden), "--hidden");
            BatchNormConventions preset = parse.GetValue(conventions) switch
            {
                "keras" => BatchNormConventions.Keras,
                "tensorflow" => BatchNormConventions.TensorFlowFused,
                "onnx" => BatchNormConventions.Onnx,
                _ => BatchNormConventions.PyTorch,
            };
            Sequential model = MismatchDemo.BuildModel(train.Width, train.Classes, hiddenWidth, parse.GetValue(seed), preset, parse.GetValue(dropout), Math.Max(batchSize, 256));
            var trainer = new Trainer(model, new Adam(parse.GetValue(learningRate)), batchSize, parse.GetValue(seed));
            context.Output.WriteLine($"data: {description}; BatchNorm: {preset}");
            using (var progress = new ProgressBar(context.Error, context.ShowProgress))
            {
                for (int epoch = 0; epoch < epochCount; epoch++)
                {
                    progress.Stage = $"epoch {epoch + 1}/{epochCount}";
                    double loss = trainer.Epoch(train, epoch, progress: progress);
                    context.Output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"epoch {epoch + 1}: loss {loss:F4}"));
                }
            }

            double accuracy = Evaluation.Accuracy(model, test, InferenceRegime.Running, model.MaxBatch);
            context.Output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"test accuracy (running statistics): {accuracy * 100:F2} %"));
            ModelFile.Save(model, parse.GetValue(output)!.FullName);
            context.Output.WriteLine($"wrote {parse.GetValue(output)!.FullName}");
        }));
        return command;
    }

    private static int Positive(int value, string name) =>
        value >= 1 ? value : throw new CliException($"{name} must be at least 1, got {value}.");
}
