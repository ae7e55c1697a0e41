using NativeBn.Data;
using NativeBn.Network;
using NativeBn.Normalization;

namespace NativeBn.Mpi.Worker;

/// <summary>Deterministic inputs that the MPI workers and the single-process references both build.</summary>
public static class ScenarioData
{
    public const int Channels = 7;

    public static TensorShape Shape(string layout, int batch) => layout switch
    {
        "NC" => TensorShape.Features(batch, Channels),
        "NCHW" => TensorShape.ChannelsFirst(batch, Channels, 2, 3),
        "NHWC" => TensorShape.ChannelsLast(batch, 3, 2, Channels),
        _ => throw new ArgumentException($"Unknown layout {layout}.", nameof(layout)),
    };

    /// <summary>Values with a different offset and scale per channel, far from zero mean (as real activations are).</summary>
    public static float[] Batch(TensorShape shape, int seed)
    {
        var random = new Random(seed);
        var values = new float[shape.ElementCount];
        int spatial = shape.SpatialSize;
        for (int i = 0; i < values.Length; i++)
        {
            int channel = shape.Layout == TensorLayout.NCHW ? i / spatial % shape.Channels : i % shape.Channels;
            values[i] = (float)(3 + channel + (0.5 + channel * 0.25) * (random.NextDouble() * 2 - 1));
        }

        return values;
    }

    public static float[] Gradient(long length, int seed)
    {
        var random = new Random(seed);
        var values = new float[length];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (float)(random.NextDouble() * 2 - 1);
        }

        return values;
    }

    /// <summary>A layer with seeded gamma and beta; synchronized when a synchronizer is given.</summary>
    public static BatchNorm Layer(IBatchStatisticsSynchronizer? synchronizer)
    {
        var layer = new BatchNorm(Channels, new BatchNormOptions { MaxThreads = 1, Synchronizer = synchronizer });
        var random = new Random(5);
        layer.SetParameters(
            [.. Enumerable.Range(0, Channels).Select(_ => (float)(0.5 + random.NextDouble()))],
            [.. Enumerable.Range(0, Channels).Select(_ => (float)(random.NextDouble() - 0.5))]);
        return layer;
    }

    /// <summary>Three classes of 12 features, separable but noisy.</summary>
    public static Dataset Classification(int count, int seed)
    {
        var random = new Random(seed);
        var features = new float[count * 12];
        var labels = new int[count];
        for (int n = 0; n < count; n++)
        {
            labels[n] = n % 3;
            for (int f = 0; f < 12; f++)
            {
                features[n * 12 + f] = (float)((f % 3 == labels[n] ? 1.5 : 0) + 2 + random.NextDouble() - 0.5);
            }
        }

        return new Dataset(features, labels, 12, 3);
    }

    /// <summary>12 → Dense 16 → BatchNorm → ReLU → Dense 8 → BatchNorm → ReLU → Dense 3.</summary>
    public static Sequential Model() =>
        new SequentialBuilder(12, seed: 9)
            .Dense(16).BatchNorm(new BatchNormOptions { MaxThreads = 1 }).Relu()
            .Dense(8).BatchNorm(new BatchNormOptions { MaxThreads = 1 }).Relu()
            .Dense(3, Initialization.Xavier)
            .Build(64);

    /// <summary>Row range [first, end) of rank r when <paramref name="sizes"/> gives each rank's number of rows.</summary>
    public static (int First, int End) Part(int[] sizes, int rank) => (sizes.Take(rank).Sum(), sizes.Take(rank + 1).Sum());
}
