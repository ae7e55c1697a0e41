namespace NativeBn.Tests;

/// <summary>Seeded test data.</summary>
internal static class TestData
{
    public static float[] Gaussian(int length, int seed, double mean = 0, double std = 1)
    {
        var random = new Random(seed);
        var values = new float[length];
        for (int i = 0; i < length; i++)
        {
            values[i] = (float)(mean + std * NextGaussian(random));
        }

        return values;
    }

    /// <summary>Per-channel offsets and scales so channels differ: value = offset[c] + scale[c]·N(0,1).</summary>
    public static float[] Channelwise(TensorShape shape, int seed)
    {
        var random = new Random(seed);
        var offsets = new double[shape.Channels];
        var scales = new double[shape.Channels];
        for (int c = 0; c < shape.Channels; c++)
        {
            offsets[c] = 4 * random.NextDouble() - 2;
            scales[c] = 0.25 + 2 * random.NextDouble();
        }

        var x = new float[shape.ElementCount];
        for (int c = 0; c < shape.Channels; c++)
        {
            foreach (int i in Reference.ReferenceBatchNorm.ChannelIndices(shape, c))
            {
                x[i] = (float)(offsets[c] + scales[c] * NextGaussian(random));
            }
        }

        return x;
    }

    public static float[] Uniform(int length, int seed, float low, float high)
    {
        var random = new Random(seed);
        var values = new float[length];
        for (int i = 0; i < length; i++)
        {
            values[i] = low + (high - low) * random.NextSingle();
        }

        return values;
    }

    public static double NextGaussian(Random random)
    {
        double u1 = 1.0 - random.NextDouble();
        double u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>Shapes for a channel count in every layout, with odd batch and spatial sizes.</summary>
    public static IEnumerable<TensorShape> ShapesFor(int channels)
    {
        yield return TensorShape.Features(3, channels);
        yield return TensorShape.Features(17, channels);
        yield return TensorShape.ChannelsFirst(3, channels, 1, 1);
        yield return TensorShape.ChannelsFirst(3, channels, 2, 3);
        yield return TensorShape.ChannelsFirst(1, channels, 5, 7);
        yield return TensorShape.ChannelsLast(3, 2, 3, channels);
        yield return TensorShape.ChannelsLast(1, 5, 7, channels);
    }
}
