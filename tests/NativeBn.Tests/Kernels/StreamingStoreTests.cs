using NativeBn.Kernels;
using NativeBn.Normalization;

namespace NativeBn.Tests.Kernels;

/// <summary>
/// Outputs of at least <see cref="ChannelKernels.StreamingBytes"/> are written with non-temporal stores, with the
/// values before the first aligned address and after the last aligned vector of each run stored one by one: every value
/// must still be what the one-chunk kernels compute, at every alignment of the output, and in place.
/// </summary>
public class StreamingStoreTests
{
    [Fact]
    public void LargeChannelsLastOutputEqualsGenericKernelsAtEveryAlignment()
    {
        const int batch = 4111, channels = 1031;
        TensorShape shape = TensorShape.Features(batch, channels);
        Assert.True(shape.ElementCount * sizeof(float) >= ChannelKernels.StreamingBytes);
        float[] x = TestData.Gaussian((int)shape.ElementCount, 5, mean: 1);
        BatchNorm layer = Layer(channels);
        float[] scale = new float[channels], shift = new float[channels];
        layer.GetInferenceCoefficients(NormalizationStatistics.Running, scale, shift);
        var expected = new float[x.Length];
        GenericKernels.Infer(x, scale, shift, expected);
        CheckAgainstDouble(x, scale, shift, expected, channels, 1);

        var buffer = new float[x.Length + 16];
        for (int offset = 0; offset < 16; offset += 5)
        {
            Array.Fill(buffer, float.NaN);
            layer.Infer(x, shape, buffer.AsSpan(offset, x.Length));
            Assertions.BitwiseEqual(expected, buffer.AsSpan(offset, x.Length).ToArray(), $"output at offset {offset}");
            Assert.True(float.IsNaN(buffer[offset + x.Length]) && (offset == 0 || float.IsNaN(buffer[offset - 1])), "a store outside the output");
        }

        var inPlace = (float[])x.Clone();
        layer.Infer(inPlace, shape, inPlace);
        Assertions.BitwiseEqual(expected, inPlace, "in place");
    }

    [Fact]
    public void LargeChannelsFirstOutputEqualsEachSampleAlone()
    {
        TensorShape shape = TensorShape.ChannelsFirst(3, 7, 500, 401);
        TensorShape one = TensorShape.ChannelsFirst(1, 7, 500, 401);
        Assert.True(shape.ElementCount * sizeof(float) >= ChannelKernels.StreamingBytes);
        Assert.True(one.ElementCount * sizeof(float) < ChannelKernels.StreamingBytes);
        float[] x = TestData.Gaussian((int)shape.ElementCount, 6, mean: -1);
        BatchNorm layer = Layer(7);
        int perSample = (int)one.ElementCount;
        var expected = new float[x.Length];
        for (int n = 0; n < 3; n++)
        {
            layer.Infer(x.AsSpan(n * perSample, perSample), one, expected.AsSpan(n * perSample, perSample));
        }

        float[] scale = new float[7], shift = new float[7];
        layer.GetInferenceCoefficients(NormalizationStatistics.Running, scale, shift);
        CheckAgainstDouble(x, scale, shift, expected, 7, 500 * 401);
        var buffer = new float[x.Length + 16];
        foreach (int offset in new[] { 0, 3, 9 })
        {
            layer.Infer(x, shape, buffer.AsSpan(offset, x.Length));
            Assertions.BitwiseEqual(expected, buffer.AsSpan(offset, x.Length).ToArray(), $"output at offset {offset}");
        }
    }

    [Fact]
    public void LargeTrainingForwardMatchesDoubleReference()
    {
        const int batch = 4099, channels = 1027;
        TensorShape shape = TensorShape.Features(batch, channels);
        float[] x = TestData.Gaussian((int)shape.ElementCount, 8, mean: 3);
        BatchNorm layer = Layer(channels);
        var y = new float[x.Length + 3];
        layer.Forward(x, shape, y.AsSpan(3, x.Length), BatchNormMode.Training);
        double worst = 0;
        for (int c = 0; c < channels; c++)
        {
            double mean = 0, m2 = 0;
            for (int n = 0; n < batch; n++)
            {
                mean += x[n * channels + c];
            }

            mean /= batch;
            for (int n = 0; n < batch; n++)
            {
                double d = x[n * channels + c] - mean;
                m2 += d * d;
            }

            double inv = 1 / Math.Sqrt(m2 / batch + layer.Options.Conventions.Epsilon);
            for (int n = 0; n < batch; n++)
            {
                double reference = (x[n * channels + c] - mean) * inv * layer.Gamma[c] + layer.Beta[c];
                worst = Math.Max(worst, Math.Abs(y[3 + n * channels + c] - reference) / Math.Max(1, Math.Abs(reference)));
            }
        }

        Assert.True(worst < 1e-5, $"largest relative error {worst}");
    }

    private static BatchNorm Layer(int channels)
    {
        var layer = new BatchNorm(channels, new BatchNormOptions { MaxThreads = 2 });
        layer.SetParameters(TestData.Uniform(channels, 1, 0.5f, 1.5f), TestData.Uniform(channels, 2, -0.5f, 0.5f));
        layer.SetRunningStatistics(
            [.. TestData.Uniform(channels, 3, -1, 1).Select(v => (double)v)], [.. TestData.Uniform(channels, 4, 0.5f, 2).Select(v => (double)v)]);
        return layer;
    }

    private static void CheckAgainstDouble(float[] x, float[] scale, float[] shift, float[] y, int channels, int spatial)
    {
        for (int i = 0; i < x.Length; i++)
        {
            int c = spatial == 1 ? i % channels : i / spatial % channels;
            double reference = (double)x[i] * scale[c] + shift[c];
            Assert.True(Math.Abs(y[i] - reference) <= 1e-6 * Math.Max(1, Math.Abs(reference)), $"value {i}: {y[i]} vs {reference}");
        }
    }
}
