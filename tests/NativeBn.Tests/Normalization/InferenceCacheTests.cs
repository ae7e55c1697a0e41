using NativeBn.Normalization;
using NativeBn.Tests.Reference;

namespace NativeBn.Tests.Normalization;

/// <summary>Cached inference coefficients follow every change of parameters, statistics and options.</summary>
public class InferenceCacheTests
{
    private static readonly TensorShape Shape = TensorShape.Features(1, 20);

    private static void AssertInferenceMatchesReference(BatchNorm layer, float[] x, string after)
    {
        var y = new float[x.Length];
        layer.Infer(x, Shape, y);
        double[] expected = ReferenceBatchNorm.Normalize(x, Shape, layer.RunningMean.ToArray(), layer.RunningVariance.ToArray(),
            layer.Gamma.ToArray(), layer.Beta.ToArray(), layer.Options.Conventions.Epsilon);
        Assertions.Close(expected, y, 2e-5, $"inference after {after}");
    }

    [Fact]
    public void EveryChangeIsSeenByTheNextInference()
    {
        BatchNorm layer = LayerFactory.Create(20, 1);
        float[] x = TestData.Gaussian(20, 2);
        AssertInferenceMatchesReference(layer, x, "construction");

        layer.WritableGamma()[3] = 4f;
        AssertInferenceMatchesReference(layer, x, "writing gamma");
        layer.WritableBeta()[5] = -2f;
        AssertInferenceMatchesReference(layer, x, "writing beta");
        layer.SetRunningStatistics(LayerFactory.ToDouble(TestData.Uniform(20, 3, -1, 1)), LayerFactory.ToDouble(TestData.Uniform(20, 4, 0.5f, 2)));
        AssertInferenceMatchesReference(layer, x, "setting running statistics");
        TensorShape batch = TensorShape.Features(8, 20);
        layer.Forward(TestData.Gaussian(160, 5, mean: 3), batch, new float[160], BatchNormMode.Training);
        AssertInferenceMatchesReference(layer, x, "a training update");
        layer.Options = layer.Options with { Conventions = BatchNormConventions.Keras };
        AssertInferenceMatchesReference(layer, x, "changing epsilon");
    }

    [Fact]
    public void InPlaceOperationGivesTheSameResults()
    {
        foreach (TensorShape shape in new[] { TensorShape.Features(5, 37), TensorShape.ChannelsFirst(2, 3, 5, 7), TensorShape.ChannelsLast(2, 3, 3, 19) })
        {
            float[] x = TestData.Channelwise(shape, 9);
            float[] dy = TestData.Gaussian(x.Length, 10);
            BatchNorm separate = LayerFactory.Create(shape.Channels, 11);
            BatchNorm inPlace = LayerFactory.Create(shape.Channels, 11);
            var y = new float[x.Length];
            var dx = new float[x.Length];
            var inferred = new float[x.Length];
            separate.Forward(x, shape, y, BatchNormMode.Training);
            separate.Backward(x, dy, shape, dx);
            separate.Infer(x, shape, inferred);

            float[] buffer = (float[])x.Clone();
            inPlace.Forward(buffer, shape, buffer, BatchNormMode.Training);
            Assertions.BitwiseEqual(y, buffer, $"in-place forward {shape}");
            float[] gradient = (float[])dy.Clone();
            inPlace.Backward(x, gradient, shape, gradient);
            Assertions.BitwiseEqual(dx, gradient, $"in-place backward {shape}");
            buffer = (float[])x.Clone();
            inPlace.Infer(buffer, shape, buffer);
            Assertions.BitwiseEqual(inferred, buffer, $"in-place inference {shape}");
        }
    }

    [Fact]
    public void ConcurrentInferenceGivesIdenticalResults()
    {
        BatchNorm layer = LayerFactory.Create(64, 12);
        layer.SetRunningStatistics(LayerFactory.ToDouble(TestData.Uniform(64, 13, -1, 1)), LayerFactory.ToDouble(TestData.Uniform(64, 14, 0.5f, 2)));
        TensorShape shape = TensorShape.Features(1, 64);
        float[][] inputs = [.. Enumerable.Range(0, 64).Select(i => TestData.Gaussian(64, 100 + i))];
        layer.Infer(inputs[0], shape, new float[64]);
        layer.WritableBeta()[1] = 0.25f; // the cache is now stale: the threads race to refresh it

        var results = new float[8][][];
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, t =>
        {
            results[t] = [.. inputs.Select(x => { var y = new float[64]; layer.Infer(x, shape, y); return y; })];
        });

        float[][] fresh = [.. inputs.Select(x => { var y = new float[64]; layer.Infer(x, shape, y); return y; })];
        foreach (float[][] result in results)
        {
            for (int i = 0; i < inputs.Length; i++)
            {
                Assertions.BitwiseEqual(fresh[i], result[i], $"thread result {i}");
            }
        }
    }
}
