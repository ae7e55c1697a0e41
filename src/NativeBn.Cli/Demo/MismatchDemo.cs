using System.Diagnostics;
using NativeBn.Data;
using NativeBn.Network;
using NativeBn.Model;
using NativeBn.Normalization;

namespace NativeBn.Cli.Demo;

/// <summary>
/// Reproduces "why does batch normalization make my predictions worse at inference?" on a data set: trains the
/// classic network (input → Dense → BatchNorm → ReLU → Dense → softmax, Adam) or a small CNN
/// (<see cref="CnnArchitecture"/>) and evaluates the test split with
/// batch statistics at batch sizes 1 and 32, running averages, exact population statistics, and BatchNorm folded
/// into the dense layer; then two scenarios that make running averages wrong (EMA lag with momentum 0.99, and
/// dropout before BatchNorm), each measured with running and with population statistics.
/// </summary>
internal static class MismatchDemo
{
    /// <summary>
    /// The convolutional demo network on <c>[N, 1, 28, 28]</c> digits, with <c>{0}</c> where a dropout layer may go:
    /// conv 3x3 8 → BatchNorm → ReLU → max-pool 2 → conv 3x3 16 → BatchNorm → ReLU → max-pool 2 → Dense → Softmax.
    /// </summary>
    public const string CnnArchitecture = "conv:8:3,{0}batchnorm,relu,maxpool:2,conv:16:3,batchnorm,relu,maxpool:2,flatten,dense,softmax";

    /// <summary>
    /// The demo network, BatchNorm with the given conventions and the library's default policies: for
    /// <see cref="DemoNetwork.Mlp"/> Dense(hidden) → [Dropout] → BatchNorm → ReLU → Dense(classes) → Softmax on
    /// <paramref name="inputWidth"/> features, for <see cref="DemoNetwork.Cnn"/> <see cref="CnnArchitecture"/> on square
    /// single-channel images of <paramref name="inputWidth"/> pixels (dropout before the first BatchNorm).
    /// </summary>
    public static Sequential BuildModel(
        DemoNetwork network, int inputWidth, int classes, int hidden, int seed, BatchNormConventions conventions, double dropout, int maxBatch)
    {
        string dropoutLayer = dropout > 0 ? $"dropout:{dropout.ToString(System.Globalization.CultureInfo.InvariantCulture)}," : "";
        var options = new BatchNormOptions { Conventions = conventions, MaxThreads = 1 };
        int side = (int)Math.Round(Math.Sqrt(inputWidth));
        ModelDescription description = network == DemoNetwork.Cnn
            ? ArchitectureText.Build(string.Format(System.Globalization.CultureInfo.InvariantCulture, CnnArchitecture, dropoutLayer), 1, side, side, classes, options, seed)
            : ArchitectureText.Build($"dense:{hidden},{dropoutLayer}batchnorm,relu,dense,softmax", inputWidth, classes, options, seed);
        return new Sequential(description, maxBatch, seed);
    }

    /// <summary>Runs the whole demo. <paramref name="progress"/> receives a stage name and its completed fraction.</summary>
    public static DemoReport Run(Dataset train, Dataset test, DemoOptions options, IProgress<(string Stage, double Fraction)>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        ArgumentNullException.ThrowIfNull(options);
        int maxBatch = Math.Max(options.BatchSize, options.CurveBatchSizes.Append(32).Max());
        Sequential model = BuildModel(options.Network, train.Width, train.Classes, options.Hidden, options.Seed, BatchNormConventions.PyTorch, 0, maxBatch);
        double loss = Train(model, train, options, options.Epochs, long.MaxValue, "training", progress);
        PopulationRecalibration.Run(model, train, Stage("population statistics", progress));

        var population = Probabilities(model, test, InferenceRegime.Population, out double populationLatency);
        var regimes = new List<RegimeResult>();
        foreach (EvaluationRegime regime in EvaluationRegime.All)
        {
            float[] probabilities;
            double latency;
            if (regime.Regime == InferenceRegime.BatchStatistics)
            {
                probabilities = new float[checked(test.Count * test.Classes)];
                var watch = Stopwatch.StartNew();
                regime.Accuracy(model, test, probabilities);
                latency = watch.Elapsed.TotalMicroseconds / test.Count;
            }
            else if (regime == EvaluationRegime.Population)
            {
                probabilities = population;
                latency = populationLatency;
            }
            else
            {
                probabilities = Probabilities(model, test, regime.Regime, out latency);
            }

            regimes.Add(new RegimeResult(regime, AccuracyOf(probabilities, test), latency, MaxDifference(probabilities, population)));
            progress?.Report(("evaluation", (double)regimes.Count / EvaluationRegime.All.Count));
        }

        var curves = new List<AccuracyCurve>
        {
            new("batch statistics", options.CurveBatchSizes,
                [.. options.CurveBatchSizes.Select(b => EvaluationRegime.BatchStatisticsAccuracy(model, test, b))]),
        };
        foreach (EvaluationRegime regime in EvaluationRegime.Stored)
        {
            curves.Add(new AccuracyCurve(regime.Name, options.CurveBatchSizes,
                [.. options.CurveBatchSizes.Select(b => Evaluation.Accuracy(model, test, regime.Regime, b))]));
        }

        ScenarioResult[] scenarios =
        [
            Scenario(train, test, options, "ema-lag",
                $"momentum 0.99 as decay (Keras), only {options.EmaLagSteps} training steps: the running averages still remember their start",
                BatchNormConventions.Keras, 0, options.EmaLagSteps, progress),
            Scenario(train, test, options, "dropout-before-bn",
                $"dropout {options.DropoutRate} before BatchNorm: training sees the dropout-inflated variance, inference does not",
                BatchNormConventions.PyTorch, options.DropoutRate, long.MaxValue, progress),
        ];
        return new DemoReport(regimes, scenarios, curves, loss, model);
    }

    private static ScenarioResult Scenario(
        Dataset train, Dataset test, DemoOptions options, string name, string description, BatchNormConventions conventions,
        double dropout, long maxSteps, IProgress<(string Stage, double Fraction)>? progress)
    {
        Sequential model = BuildModel(options.Network, train.Width, train.Classes, options.Hidden, options.Seed, conventions, dropout, Math.Max(options.BatchSize, 256));
        int epochs = maxSteps == long.MaxValue ? options.Epochs : (int)Math.Ceiling(maxSteps / Math.Ceiling((double)train.Count / options.BatchSize));
        Train(model, train, options, epochs, maxSteps, name, progress);
        double running = Evaluation.Accuracy(model, test, InferenceRegime.Running, 256);
        PopulationRecalibration.Run(model, train);
        double population = Evaluation.Accuracy(model, test, InferenceRegime.Population, 256);
        return new ScenarioResult(name, description, running, population);
    }

    private static double Train(
        Sequential model, Dataset train, DemoOptions options, int epochs, long maxSteps, string stage,
        IProgress<(string Stage, double Fraction)>? progress)
    {
        var trainer = new Trainer(model, new Adam(options.LearningRate), options.BatchSize, options.Seed);
        double loss = double.NaN;
        for (int epoch = 0; epoch < epochs && trainer.Steps < maxSteps; epoch++)
        {
            int done = epoch;
            loss = trainer.Epoch(train, epoch, maxSteps, progress is null ? null : new Progress(f => progress.Report((stage, (done + f) / epochs))));
        }

        return loss;
    }

    private static float[] Probabilities(Sequential model, Dataset data, InferenceRegime regime, out double latencyMicroseconds)
    {
        var probabilities = new float[checked(data.Count * data.Classes)];
        InferencePlan plan = model.GetPlan(regime);
        plan.Predict(data.Sample(0), probabilities.AsSpan(0, data.Classes));
        var watch = Stopwatch.StartNew();
        for (int i = 0; i < data.Count; i++)
        {
            plan.Predict(data.Sample(i), probabilities.AsSpan(i * data.Classes, data.Classes));
        }

        latencyMicroseconds = watch.Elapsed.TotalMicroseconds / data.Count;
        return probabilities;
    }

    private static double AccuracyOf(float[] probabilities, Dataset data)
    {
        int correct = 0;
        for (int i = 0; i < data.Count; i++)
        {
            if (Evaluation.ArgMax(probabilities.AsSpan(i * data.Classes, data.Classes)) == data.Labels[i])
            {
                correct++;
            }
        }

        return (double)correct / data.Count;
    }

    private static double MaxDifference(float[] a, float[] b)
    {
        double max = 0;
        for (int i = 0; i < a.Length; i++)
        {
            max = Math.Max(max, Math.Abs(a[i] - b[i]));
        }

        return max;
    }

    private static IProgress<double>? Stage(string stage, IProgress<(string Stage, double Fraction)>? progress) =>
        progress is null ? null : new Progress(f => progress.Report((stage, f)));

    /// <summary>Synchronous progress forwarding (System.Progress posts to a context; this reports in place).</summary>
    private sealed class Progress(Action<double> report) : IProgress<double>
    {
        public void Report(double value) => report(value);
    }
}
