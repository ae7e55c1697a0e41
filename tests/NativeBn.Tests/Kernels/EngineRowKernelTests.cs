using NativeBn.Kernels;
using NativeBn.Normalization;

namespace NativeBn.Tests.Kernels;

/// <summary>
/// A layer on channels-last data of one chunk gives what the generic (and so the generated) kernels give, bit for
/// bit: the engine's chunked drivers run such data as the same rows.
/// </summary>
public class EngineRowKernelTests
{
    [Theory]
    [InlineData(3)]
    [InlineData(16)]
    [InlineData(64)]
    [InlineData(65)]
    [InlineData(1024)]
    public void LayerOnOneChunkEqualsGenericKernels(int channels)
    {
        foreach (int batch in new[] { 2, 13, 32 })
        {
            TensorShape shape = TensorShape.Features(batch, channels);
            Assert.True(ChannelGeometry.From(shape).IsSingleChunk);
            float[] x = TestData.Gaussian((int)shape.ElementCount, batch, mean: 2);
            float[] dy = TestData.Gaussian(x.Length, batch + 1);
            float[] gamma = TestData.Uniform(channels, 3, 0.5f, 1.5f), beta = TestData.Uniform(channels, 4, -1, 1);
            var layer = new BatchNorm(channels, new BatchNormOptions { MaxThreads = 1 });
            layer.SetParameters(gamma, beta);
            var y = new float[x.Length];
            var dx = new float[x.Length];
            layer.Forward(x, shape, y, BatchNormMode.Training);
            layer.Backward(x, dy, shape, dx);

            double[] mean = new double[channels], m2 = new double[channels];
            GenericKernels.Statistics(x, mean, m2);
            Assertions.BitwiseEqual(mean, layer.SavedMean, $"C={channels} N={batch}: engine mean vs generic kernel");
            double[] sumDy = new double[channels], sumCentered = new double[channels];
            GenericKernels.GradientSums(dy, x, mean, sumDy, sumCentered);
            for (int c = 0; c < channels; c++)
            {
                Assert.Equal((float)sumDy[c], layer.BetaGradient[c]);
            }

            float[] scale = new float[channels], shift = new float[channels];
            layer.GetInferenceCoefficients(NormalizationStatistics.Running, scale, shift);
            float[] expected = new float[x.Length];
            GenericKernels.InferRelu(x, scale, shift, expected);
            layer.Infer(x, shape, y, NormalizationStatistics.Running, fuseRelu: true);
            Assertions.BitwiseEqual(expected, y, $"C={channels} N={batch}: engine inference vs generic kernel");
        }
    }
}
