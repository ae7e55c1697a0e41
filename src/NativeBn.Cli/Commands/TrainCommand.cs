using System.CommandLine;
using System.Globalization;
using NativeBn.Data;
using NativeBn.Interop;
using NativeBn.Model;
using NativeBn.Model.Nodes;
using NativeBn.Mpi;
using NativeBn.Network;
using NativeBn.Normalization;
using NativeBn.Serialization;

namespace NativeBn.Cli.Commands;

/// <summary>
/// <c>nativebn train</c>: trains a classifier on a data set and saves it: a new model from a short architecture text, or
/// an existing model file (native, ONNX or safetensors) to fine-tune, with BatchNorm statistics frozen or not. Input
/// width and class count come from the data; the saved model ends in Softmax.
/// </summary>
internal static class TrainCommand
{
    private const string DefaultArchitecture = "dense:{hidden},{dropout}batchnorm,relu,dense";

    public static Command Create(CliContext context)
    {
        var data = new DataOptions();
        var output = new Option<FileInfo>("--output") { Description = "Where to write the model", Required = true };
        var architecture = new Option<string?>("--architecture")
        {
            Description = "Layers of a new model, e.g. dense:128,batchnorm,relu,dropout:0.2,dense:64,batchnorm,relu,dense " +
                "(the last 'dense' gets one output per class; default dense:HIDDEN,batchnorm,relu,dense)",
        };
        var start = new Option<FileInfo?>("--model") { Description = "Fine-tune this model (.nbm, .onnx or .safetensors) instead of building a new one" };
        var freeze = new Option<bool>("--freeze-batchnorm") { Description = "With --model: normalize with the stored statistics and leave them unchanged; gamma and beta still train" };
        var epochs = new Option<int>("--epochs") { DefaultValueFactory = _ => 5, Description = "Training epochs" };
        var batch = new Option<int>("--batch") { DefaultValueFactory = _ => 32, Description = "Training batch size" };
        var learningRate = new Option<double>("--lr") { DefaultValueFactory = _ => 1e-3, Description = "Adam learning rate" };
        var hidden = new Option<int>("--hidden") { DefaultValueFactory = _ => 64, Description = "Hidden width of the default architecture" };
        var dropout = new Option<double>("--dropout") { DefaultValueFactory = _ => 0, Description = "Dropout rate before BatchNorm in the default architecture (0 = none)" };
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => 1, Description = "Seed of weights, shuffles and dropout" };
        var preset = new Option<string>("--preset", "--conventions") { DefaultValueFactory = _ => "pytorch", Description = "BatchNorm conventions of a new model: pytorch, keras, tensorflow or onnx" };
        preset.AcceptOnlyFromAmong("pytorch", "keras", "tensorflow", "onnx");
        var momentum = new Option<double?>("--momentum") { Description = "BatchNorm momentum, in the preset's meaning (PyTorch: weight of the new batch; Keras, TensorFlow, ONNX: decay)" };
        var epsilon = new Option<double?>("--epsilon") { Description = "BatchNorm epsilon (default: the preset's)" };
        var singleValue = new Option<string>("--single-value")
        {
            DefaultValueFactory = _ => "throw",
            Description = "What BatchNorm does in training with one value per channel: throw (as PyTorch), running (normalize with the running statistics) or normalize (anyway, as Keras)",
        };
        singleValue.AcceptOnlyFromAmong("throw", "running", "normalize");
        var mpi = new Option<bool>("--mpi")
        {
            Description = "Data-parallel training as one rank of an MPI job (mpirun -np K): every rank reads the same data, each --batch is split across the ranks, " +
                "gradients are summed over ranks and BatchNorm is synchronized (SyncBatchNorm); rank 0 writes the model",
        };
        var localBatchNorm = new Option<bool>("--local-bn") { Description = "With --mpi: normalize with each rank's share of the batch instead of the whole batch" };
        var command = new Command("train", "Train a classifier (a new architecture, or a model to fine-tune) and save it")
        {
            output, architecture, start, freeze, epochs, batch, learningRate, hidden, dropout, seed, preset, momentum, epsilon, singleValue, mpi, localBatchNorm,
        };
        data.AddTo(command);
        command.SetAction(parse => Cli.Guard(context, () =>
        {
            FileInfo? startFile = parse.GetValue(start);
            OutputFile.Check(parse.GetValue(output), "--output", [(startFile, "--model"), .. data.Files(parse)]);
            string? text = parse.GetValue(architecture);
            if (startFile is not null && text is not null)
            {
                throw new CliException("Give either --model (fine-tuning) or --architecture (a new model), not both.");
            }

            if (startFile is null && parse.GetValue(freeze))
            {
                throw new CliException("--freeze-batchnorm applies to fine-tuning; add --model.");
            }

            double lr = parse.GetValue(learningRate);
            if (!(lr > 0 && double.IsFinite(lr)))
            {
                throw new CliException($"--lr must be a finite number above 0, got {lr.ToString(CultureInfo.InvariantCulture)}.");
            }

            double rate = parse.GetValue(dropout);
            if (!(rate >= 0 && rate < 1))
            {
                throw new CliException($"--dropout must be in [0, 1), got {rate.ToString(CultureInfo.InvariantCulture)}.");
            }

            var settings = new Settings(
                Positive(parse.GetValue(epochs), "--epochs"), Positive(parse.GetValue(batch), "--batch"), lr,
                parse.GetValue(seed), parse.GetValue(output)!, startFile, parse.GetValue(freeze),
                text ?? DefaultArchitecture.Replace("{hidden}", Positive(parse.GetValue(hidden), "--hidden", 1 << 20).ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
                    .Replace("{dropout}", rate > 0 ? $"dropout:{rate.ToString(CultureInfo.InvariantCulture)}," : "", StringComparison.Ordinal),
                BatchNormOptionsFrom(parse.GetValue(preset)!, parse.GetValue(momentum), parse.GetValue(epsilon), parse.GetValue(singleValue)!));
            if (startFile is not null && (parse.GetValue(momentum) is not null || parse.GetValue(epsilon) is not null))
            {
                throw new CliException("--momentum and --epsilon set the BatchNorm of a new model; a model to fine-tune keeps its own.");
            }

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

            ResolvedData resolved = data.Resolve(parse);
            var (train, test, description) = resolved;
            Sequential model = Build(settings, resolved, out string what);
            var trainer = new Trainer(model, new Adam(settings.LearningRate), settings.Batch, settings.Seed);
            context.Output.WriteLine($"data: {description}; model: {what}");
            using (var progress = new ProgressBar(context.Error, context.ShowProgress))
            {
                for (int epoch = 0; epoch < settings.Epochs; epoch++)
                {
                    progress.Stage = $"epoch {epoch + 1}/{settings.Epochs}";
                    double loss = trainer.Epoch(train, epoch, progress: progress);
                    context.Output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"epoch {epoch + 1}: loss {loss:F4}"));
                }
            }

            Finish(context, model, train, test, settings.Output);
        }));
        return command;
    }

    private static void TrainDistributed(Settings settings, DataOptions data, ParseResult parse, MpiCommunicator world, CliContext context, bool synchronize)
    {
        ResolvedData resolved = MpiJob.Agree(world, () => data.Resolve(parse));
        var (train, test, description) = resolved;
        Sequential model = MpiJob.Agree(world, () => Build(settings, resolved, out _));
        DataParallelTrainer trainer = MpiJob.Agree(world, () => new DataParallelTrainer(model, new Adam(settings.LearningRate), settings.Batch, settings.Seed, world, synchronize));
        string normalization = synchronize ? "synchronized over all ranks (SyncBatchNorm)" : "local to each rank";
        context.Output.WriteLine($"data: {description}; BatchNorm {normalization}; {world.Size} ranks, batch {settings.Batch} split across them");
        for (int epoch = 0; epoch < settings.Epochs; epoch++)
        {
            double loss = trainer.Epoch(train, epoch);
            context.Output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"epoch {epoch + 1}: loss {loss:F4}"));
        }

        MpiJob.Agree(world, () =>
        {
            if (world.Rank == 0)
            {
                Finish(context, model, train, test, settings.Output);
            }

            return true;
        });
    }

    /// <summary>
    /// The model to train: the architecture text for the data's shape and classes (images <c>[C, H, W]</c> from IDX
    /// images or a 4-D .npy array, features otherwise), or the model to fine-tune.
    /// </summary>
    private static Sequential Build(Settings settings, ResolvedData data, out string what)
    {
        Dataset train = data.Train;
        int maxBatch = Math.Max(settings.Batch, 256);
        if (settings.Start is null)
        {
            string text = settings.Architecture.EndsWith(",softmax", StringComparison.Ordinal) ? settings.Architecture : settings.Architecture + ",softmax";
            int[] image = data.Shape.Length switch
            {
                3 => [1, data.Shape[1], data.Shape[2]],
                4 => data.Shape[1..],
                _ => [],
            };
            ModelDescription created = image.Length == 3 && ArchitectureText.TakesImages(text)
                ? ArchitectureText.Build(text, image[0], image[1], image[2], train.Classes, settings.BatchNorm, settings.Seed)
                : ArchitectureText.Build(text, train.Width, train.Classes, settings.BatchNorm, settings.Seed);
            what = $"{text} ({created.Input.Shape} in, {train.Classes} classes); BatchNorm: {settings.BatchNorm.Conventions}, single values: {settings.BatchNorm.SingleValue}";
            return new Sequential(created, maxBatch, settings.Seed);
        }

        ModelDescription loaded = ModelFormats.Load(settings.Start.FullName);
        data.RequireInput(loaded.Input.Shape);
        if (!loaded.EndsInSoftmax && loaded.Outputs.Length == 1)
        {
            loaded = new ModelDescription(loaded.Inputs, [.. loaded.Nodes, new SoftmaxNode(loaded.Output + "/softmax", loaded.Output)], [loaded.Output + "/softmax"]);
        }

        var model = new Sequential(loaded, maxBatch, settings.Seed);
        if (model.InputWidth != train.Width || model.OutputWidth != train.Classes)
        {
            throw new CliException(
                $"{settings.Start.Name} takes {model.InputWidth} features and gives {model.OutputWidth} outputs; the data has {train.Width} features and {train.Classes} classes.");
        }

        if (settings.FreezeBatchNorm)
        {
            foreach (BatchNormLayer layer in model.BatchNormLayers)
            {
                layer.TrainingMode = BatchNormMode.FrozenStatistics;
            }
        }

        what = $"fine-tuning {settings.Start.Name} ({string.Join(", ", loaded.Nodes.Select(n => n.Kind))}), BatchNorm statistics {(settings.FreezeBatchNorm ? "frozen" : "trained")}";
        return model;
    }

    private static BatchNormOptions BatchNormOptionsFrom(string preset, double? momentum, double? epsilon, string singleValue)
    {
        BatchNormConventions conventions = preset switch
        {
            "keras" => BatchNormConventions.Keras,
            "tensorflow" => BatchNormConventions.TensorFlowFused,
            "onnx" => BatchNormConventions.Onnx,
            _ => BatchNormConventions.PyTorch,
        };
        try
        {
            conventions = new BatchNormConventions(momentum ?? conventions.Momentum, conventions.MomentumConvention, conventions.Epsilon, conventions.RunningVariance);
        }
        catch (ArgumentException e)
        {
            throw new CliException($"--momentum {momentum?.ToString(CultureInfo.InvariantCulture)}: {e.Message}");
        }

        try
        {
            conventions = new BatchNormConventions(conventions.Momentum, conventions.MomentumConvention, epsilon ?? conventions.Epsilon, conventions.RunningVariance);
        }
        catch (ArgumentException e)
        {
            throw new CliException($"--epsilon {epsilon?.ToString(CultureInfo.InvariantCulture)}: {e.Message}");
        }

        return new BatchNormOptions
        {
            Conventions = conventions,
            SingleValue = singleValue switch
            {
                "running" => SingleValuePolicy.UseRunningStatistics,
                "normalize" => SingleValuePolicy.NormalizeAnyway,
                _ => SingleValuePolicy.Throw,
            },
        };
    }

    private static void Finish(CliContext context, Sequential model, Dataset train, Dataset test, FileInfo output)
    {
        double accuracy = EvaluationRegime.Running.Accuracy(model, test);
        string which = ReferenceEquals(train, test) ? "accuracy on the training data (running statistics; no separate test data)" : "test accuracy (running statistics)";
        context.Output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{which}: {accuracy * 100:F2} %"));
        ModelFile.Save(model.ToDescription(), output.FullName);
        context.Output.WriteLine($"wrote {output.FullName}");
    }

    private sealed record Settings(
        int Epochs, int Batch, double LearningRate, int Seed, FileInfo Output, FileInfo? Start, bool FreezeBatchNorm,
        string Architecture, BatchNormOptions BatchNorm);

    private static int Positive(int value, string name, int max = int.MaxValue) =>
        value >= 1 && value <= max
            ? value
            : throw new CliException(max == int.MaxValue ? $"{name} must be at least 1, got {value}." : $"{name} must be from 1 to {max}, got {value}.");
}
