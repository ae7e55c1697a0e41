using NativeBn.Normalization;

namespace NativeBn.Benchmarks;

/// <summary>Seeded data and layers shared by the benchmarks, and a check that peers compute the same thing.</summary>
internal static class BenchmarkData
{
    public static float[] Random(int length, int seed, float low = -2, float high = 2)
    {
        var random = new Random(seed);
        var values = new float[length];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = low + (high - low) * random.NextSingle();
        }

        return values;
    }

    /// <summary>A layer with random gamma, beta and running statistics, PyTorch conventions.</summary>
    public static BatchNorm Layer(int channels, int threads)
    {
        var layer = new BatchNorm(channels, new BatchNormOptions { MaxThreads = threads });
        layer.SetParameters(Random(channels, 1, 0.5f, 1.5f), Random(channels, 2, -0.5f, 0.5f));
        layer.SetRunningStatistics([.. Random(channels, 3, -1, 1).Select(v => (double)v)], [.. Random(channels, 4, 0.5f, 2).Select(v => (double)v)]);
        return layer;
    }

    /// <summary>Throws unless <paramref name="actual"/> matches <paramref name="expected"/> to <paramref name="tolerance"/>·max(1, |e|).</summary>
    public static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double tolerance, string peer)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            if (!(Math.Abs(expected[i] - actual[i]) <= tolerance * Math.Max(1, Math.Abs(expected[i]))))
            {
                throw new InvalidOperationException($"{peer} disagrees with NativeBn at {i}: {actual[i]} vs {expected[i]}.");
            }
        }
    }
}
