using NativeBn.Cli.Demo;
using NativeBn.Datasets;
using NativeBn.Network;
using NativeBn.Normalization;

namespace NativeBn.Cli.Bench;

/// <summary>The network cases of <c>nativebn bench</c>: the demo MLP's single-sample prediction and its training step at batch 32.</summary>
internal static class NetworkBench
{
    /// <summary>Measures <paramref name="benchCase"/> (mlp-predict or mlp-train-step; C is the input width, 784).</summary>
    public static BenchEntry Run(BenchCase benchCase)
    {
        var (train, _) = MnistSample.LoadSplit();
        Sequential model = MismatchDemo.BuildModel(DemoNetwork.Mlp, benchCase.C, 10, 64, 1, BatchNormConventions.PyTorch, 0, 32);
        float[] batch = train.Rows(0, benchCase.N).ToArray();
        int[] labels = train.Labels[..benchCase.N].ToArray();
        var probabilities = new float[10];
        var adam = new Adam();
        model.TrainStep(train.Rows(0, 32).ToArray(), train.Labels[..32].ToArray(), adam);
        Action operation = benchCase.Name == "mlp-predict"
            ? () => model.Predict(batch, probabilities, InferenceRegime.Running)
            : () => model.TrainStep(batch, labels, adam);
        BenchTiming timing = BenchTimer.Measure(operation);
        return new BenchEntry(benchCase.Name, benchCase.N, benchCase.C, benchCase.Threads, timing.Median, null, null,
            benchCase.H, benchCase.W, timing.Min, timing.Max);
    }
}
