using NativeBn.Network;
using NativeBn.Normalization;

namespace NativeBn.Tests.Network;

/// <summary>Small seeded models and data for network tests.</summary>
internal static class ModelFactory
{
    public static Sequential Small(int seed = 3, int maxBatch = 16, double dropout = 0, BatchNormOptions? options = null)
    {
        options ??= new BatchNormOptions { MaxThreads = 1 };
        var builder = new SequentialBuilder(5, seed).Dense(4);
        if (dropout > 0)
        {
            builder.Dropout(dropout);
        }

        return builder.BatchNorm(options).Relu().Dense(3, Initialization.Xavier).Build(maxBatch);
    }

    public static (float[] X, int[] Labels) Batch(int count, int width, int classes, int seed)
    {
        float[] x = TestData.Gaussian(count * width, seed, mean: 0.5, std: 1.5);
        var random = new Random(seed);
        int[] labels = [.. Enumerable.Range(0, count).Select(_ => random.Next(classes))];
        return (x, labels);
    }
}

/// <summary>An optimizer that changes nothing and keeps a copy of each gradient.</summary>
internal sealed class RecordingOptimizer : IOptimizer
{
    public Dictionary<string, float[]> Gradients { get; } = [];

    public void Step(IReadOnlyList<Parameter> parameters)
    {
        foreach (Parameter parameter in parameters)
        {
            Gradients[parameter.Name] = parameter.Gradient.ToArray();
        }
    }
}
