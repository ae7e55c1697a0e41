using System.CommandLine;
using System.Globalization;
using NativeBn.Data;
using NativeBn.Diagnostics;
using NativeBn.Mpi;
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
        var mpi = new Option<bool>("--mpi")
        {
            Description = "Data-parallel training as one rank of an MPI job (mpirun -np K): every rank reads the same data, each --batch is split across the ranks, " +
                "gradients are summed over ranks and BatchNorm is synchronized (SyncBatchNorm); rank 0 writes the model",
        };
        var localBatchNorm = new Option<bool>("--local-bn") { Description = "With --mpi: normalize with each rank's share of the batch instead of the whole batch" };
        var command = new Command("train", "Train input → Dense → BatchNorm → ReLU → Dense and save the model")
        {
            output, epochs, batch, learningRate, hidden, dropout, seed, conventions, mpi, localBatchNorm,
        };
        data.AddTo(command);
        command.SetAction(parse => Cli.Guard(context, () =>
        {
            var settings = new Settings(
                Positive(parse.GetValue(epochs), "--epochs"), Positive(parse.GetValue(batch), "--batch"), Positive(parse.GetValue(hidden), "--hidden"),
                parse.GetValue(learningRate), parse.GetValue(dropout), parse.GetValue(seed), parse.GetValue(conventions)!, parse.GetValue(output)!);
            if (parse.GetValue(mpi))
            {
                if (data.IsSharded(parse))
                {
                    throw new CliException("train --mpi reads the same data on every rank; remove {rank} from the data file names.");
                }

                bool synchronize = !parse.GetValue(localBatchNorm);
                MpiJob.Run(context, (world, rankContext) => TrainDistributed(settings, data, parse, world, rankContext, synchronize));
                return;
            }

            if (parse.GetValue(localBatchNorm))
            {
                throw new CliException("--local-bn applies to data-parallel training; add --mpi.");
            }

            var (train, test, description) = data.Resolve(parse);
            Sequential model = Build(settings, train, out BatchNormConventions preset);
            var trainer = new Trainer(model, new Adam(settings.LearningRate), settings.Batch, settings.Seed);
            context.Output.WriteLine($"data: {description}; BatchNorm: {preset}");
            using (var progress = new ProgressBar(context.Error, context.ShowProgress))
            {
                for (int epoch = 0; epoch < settings.Epochs; epoch++)
                {
                    progress.Stage = $"epoch {epoch + 1}/{settings.Epochs}";
                    double loss = trainer.Epoch(train, epoch, progress: progress);
                    context.Output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"epoch {epoch + 1}: loss {loss:F4}"));
                }
            }

            Finish(context, model, test, settings.Output);
        }));
        return command;
    }

    private static void TrainDistributed(Settings settings, DataOptions data, ParseResult parse, MpiCommunicator world, CliContext context, bool synchronize)
    {
        var (train, test, description) = MpiJob.Agree(world, () => data.Resolve(parse));
        Sequential model = Build(settings, train, out BatchNormConventions preset);
        DataParallelTrainer trainer = MpiJob.Agree(world, () => new DataParallelTrainer(model, new Adam(settings.LearningRate), settings.Batch, settings.Seed, world, synchronize));
        string normalization = synchronize ? "synchronized over all ranks (SyncBatchNorm)" : "local to each rank";
        context.Output.WriteLine($"data: {description}; BatchNorm: {preset}, {normalization}; {world.Size} ranks, batch {settings.Batch} split across them");
        for (int epoch = 0; epoch < settings.Epochs; epoch++)
        {
            double loss = trainer.Epoch(train, epoch);
            context.Output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"epoch {epoch + 1}: loss {loss:F4}"));
        }

        MpiJob.Agree(world, () =>
        {
            if (world.Rank == 0)
            {
                Finish(context, model, test, settings.Output);
            }

            return true;
        });
    }

    private static Sequential Build(Settings settings, Dataset train, out BatchNormConventions preset)
    {
        preset = settings.Conventions switch
        {
            "keras" => BatchNormConventions.Keras,
            "tensorflow" => BatchNormConventions.TensorFlowFused,
            "onnx" => BatchNormConventions.Onnx,
            _ => BatchNormConventions.PyTorch,
        };
        return MismatchDemo.BuildModel(train.Width, train.Classes, settings.Hidden, settings.Seed, preset, settings.Dropout, Math.Max(settings.Batch, 256));
    }

    private static void Finish(CliContext context, Sequential model, Dataset test, FileInfo output)
    {
        double accuracy = Evaluation.Accuracy(model, test, InferenceRegime.Running, model.MaxBatch);
        context.Output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"test accuracy (running statistics): {accuracy * 100:F2} %"));
        ModelFile.Save(model.ToDescription(), output.FullName);
        context.Output.WriteLine($"wrote {output.FullName}");
    }

    private sealed record Settings(int Epochs, int Batch, int Hidden, double LearningRate, double Dropout, int Seed, string Conventions, FileInfo Output);

    private static int Positive(int value, string name) =>
        value >= 1 ? value : throw new CliException($"{name} must be at least 1, got {value}.");
}
