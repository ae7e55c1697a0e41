using NativeBn.Normalization;
using NativeBn.Tests.Reference;

namespace NativeBn.Tests.Normalization;

/// <summary>Running statistics after three batches in each framework's convention, worked out here from the formulas.</summary>
public class RunningStatisticsTests
{
    private static readonly TensorShape Shape = TensorShape.Features(8, 5);

    public static TheoryData<string> Presets() => ["PyTorch", "Keras", "Onnx", "PyTorchCumulativeAverage", "TensorFlowFused"];

    [Theory]
    [MemberData(nameof(Presets))]
    public void ThreeBatchesFollowTheFrameworkConvention(string preset)
    {
        BatchNormConventions conventions = preset switch
        {
            "PyTorch" => BatchNormConventions.PyTorch,
            "Keras" => BatchNormConventions.Keras,
            "Onnx" => BatchNormConventions.Onnx,
            "TensorFlowFused" => BatchNormConventions.TensorFlowFused,
            _ => BatchNormConventions.PyTorchCumulativeAverage,
        };
        var layer = new BatchNorm(Shape.Channels, new BatchNormOptions { Conventions = conventions, MaxThreads = 1 });
        float[][] batches = [.. Enumerable.Range(0, 3).Select(k => TestData.Channelwise(Shape, 100 + k))];

        var expectedMean = new double[Shape.Channels];
        var expectedVariance = Enumerable.Repeat(1.0, Shape.Channels).ToArray();
        double n = Shape.Batch;
        for (int k = 0; k < batches.Length; k++)
        {
            layer.Forward(batches[k], Shape, new float[batches[k].Length], BatchNormMode.Training);
            var (mean, biased) = ReferenceBatchNorm.Statistics(batches[k], Shape);
            for (int c = 0; c < Shape.Channels; c++)
            {
                double batchVariance = preset is "PyTorch" or "PyTorchCumulativeAverage" or "TensorFlowFused"
                    ? biased[c] * n / (n - 1)
                    : biased[c];
                (expectedMean[c], expectedVariance[c]) = preset switch
                {
                    "PyTorch" => (0.9 * expectedMean[c] + 0.1 * mean[c], 0.9 * expectedVariance[c] + 0.1 * batchVariance),
                    "Keras" or "TensorFlowFused" => (0.99 * expectedMean[c] + 0.01 * mean[c], 0.99 * expectedVariance[c] + 0.01 * batchVariance),
                    "Onnx" => (0.9 * expectedMean[c] + 0.1 * mean[c], 0.9 * expectedVariance[c] + 0.1 * batchVariance),
                    _ => (expectedMean[c] + (mean[c] - expectedMean[c]) / (k + 1), expectedVariance[c] + (batchVariance - expectedVariance[c]) / (k + 1)),
                };
            }
        }

        Assertions.Close(expectedMean, layer.RunningMean, 1e-12, "running mean");
        Assertions.Close(expectedVariance, layer.RunningVariance, 1e-12, "running variance");
        Assert.Equal(3, layer.BatchesTracked);
        if (preset == "PyTorchCumulativeAverage")
        {
            for (int c = 0; c < Shape.Channels; c++)
            {
                double average = batches.Average(b => ReferenceBatchNorm.Statistics(b, Shape).Mean[c]);
                Assertions.Close(average, layer.RunningMean[c], 1e-12, "cumulative average", c);
            }
        }
    }

    [Fact]
    public void UpdateCanBeTurnedOffWhileNormalizingWithBatchStatistics()
    {
        BatchNorm layer = LayerFactory.Create(Shape.Channels, 3);
        float[] x = TestData.Channelwise(Shape, 5);
        var mode = BatchNormMode.Training with { UpdateRunningStatistics = false };

        BatchNormForwardResult result = layer.Forward(x, Shape, new float[x.Length], mode);

        Assert.Equal(RunningStatisticsUpdate.NotRequested, result.Update);
        Assert.All(layer.RunningMean.ToArray(), m => Assert.Equal(0, m));
        Assert.All(layer.RunningVariance.ToArray(), v => Assert.Equal(1, v));
        Assert.Equal(0, layer.BatchesTracked);
    }

    [Fact]
    public void UpdateCanRunWhileNormalizingWithStoredStatistics()
    {
        BatchNorm layer = LayerFactory.Create(Shape.Channels, 3);
        float[] x = TestData.Channelwise(Shape, 6);
        var y = new float[x.Length];
        var mode = BatchNormMode.Evaluation with { UpdateRunningStatistics = true };

        layer.Forward(x, Shape, y, mode);

        var (mean, _) = ReferenceBatchNorm.Statistics(x, Shape);
        double eps = layer.Options.Conventions.Epsilon;
        double[] expectedY = ReferenceBatchNorm.Normalize(x, Shape, new double[Shape.Channels],
            Enumerable.Repeat(1.0, Shape.Channels).ToArray(), layer.Gamma.ToArray(), layer.Beta.ToArray(), eps);
        Assertions.Close(expectedY, y, 2e-5, "y normalized with the initial running statistics");
        Assertions.Close(mean.Select(m => 0.1 * m).ToArray(), layer.RunningMean, 1e-12, "running mean updated");
    }
}
