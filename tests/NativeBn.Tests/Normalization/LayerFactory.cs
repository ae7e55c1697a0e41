using NativeBn.Normalization;

namespace NativeBn.Tests.Normalization;

/// <summary>Layers with seeded, non-trivial parameters.</summary>
internal static class LayerFactory
{
    public static BatchNorm Create(int channels, int seed, BatchNormOptions? options = null)
    {
        var layer = new BatchNorm(channels, options ?? new BatchNormOptions { MaxThreads = 1 });
        layer.SetParameters(TestData.Uniform(channels, seed, 0.5f, 1.5f), TestData.Uniform(channels, seed + 1, -0.5f, 0.5f));
        return layer;
    }

    public static double[] ToDouble(ReadOnlySpan<float> values)
    {
        var result = new double[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            result[i] = values[i];
        }

        return result;
    }
}
