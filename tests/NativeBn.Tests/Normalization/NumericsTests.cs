using NativeBn.Normalization;
using NativeBn.Tests.Reference;

namespace NativeBn.Tests.Normalization;

/// <summary>Statistics stay accurate where the float one-pass formula breaks.</summary>
public class NumericsTests
{
    [Theory]
    [InlineData(TensorLayout.NC)]
    [InlineData(TensorLayout.NCHW)]
    [InlineData(TensorLayout.NHWC)]
    public void VarianceOfDataWithLargeOffsetIsAccurateWhereFloatOnePassFails(TensorLayout layout)
    {
        TensorShape shape = layout switch
        {
            TensorLayout.NC => TensorShape.Features(4096, 3),
            TensorLayout.NCHW => TensorShape.ChannelsFirst(16, 3, 16, 16),
            _ => TensorShape.ChannelsLast(16, 16, 16, 3),
        };
        float[] x = TestData.Gaussian((int)shape.ElementCount, 7, mean: 1e4, std: 1);
        var layer = new BatchNorm(shape.Channels, new BatchNormOptions { MaxThreads = 1 });

        layer.Forward(x, shape, new float[x.Length], BatchNormMode.Training);

        var (_, reference) = ReferenceBatchNorm.Statistics(x, shape);
        for (int c = 0; c < shape.Channels; c++)
        {
            double engineError = Math.Abs(layer.SavedVariance[c] - reference[c]) / reference[c];
            double floatOnePassError = Math.Abs(FloatOnePassVariance(x, shape, c) - reference[c]) / reference[c];
            Assert.True(engineError < 1e-4, $"engine variance relative error {engineError:E2} in channel {c}");
            Assert.True(floatOnePassError > 1e-2, $"float E[x²]-E[x]² was expected to fail here, error {floatOnePassError:E2}");
        }
    }

    [Fact]
    public void ConstantChannelsStayFinite()
    {
        TensorShape shape = TensorShape.ChannelsFirst(4, 2, 3, 3);
        var x = new float[shape.ElementCount];
        Array.Fill(x, 12345.678f);
        BatchNorm layer = LayerFactory.Create(shape.Channels, 1);
        var y = new float[x.Length];
        var dx = new float[x.Length];

        layer.Forward(x, shape, y, BatchNormMode.Training);
        layer.Backward(x, TestData.Gaussian(x.Length, 2), shape, dx);

        Assert.All(layer.SavedVariance.ToArray(), v => Assert.Equal(0, v));
        for (int c = 0; c < shape.Channels; c++)
        {
            foreach (int i in ReferenceBatchNorm.ChannelIndices(shape, c))
            {
                Assert.Equal(layer.Beta[c], y[i]);
                Assert.True(float.IsFinite(dx[i]));
            }
        }

        Assert.All(layer.RunningVariance.ToArray(), v => Assert.True(double.IsFinite(v)));
    }

    /// <summary>The textbook one-pass formula in float, which cancels catastrophically for offset data.</summary>
    private static double FloatOnePassVariance(float[] x, TensorShape shape, int channel)
    {
        float sum = 0, squares = 0;
        int count = 0;
        foreach (int i in ReferenceBatchNorm.ChannelIndices(shape, channel))
        {
            sum += x[i];
            squares += x[i] * x[i];
            count++;
        }

        float mean = sum / count;
        return squares / count - mean * mean;
    }

    /// <summary>
    /// The variance term of dx survives standard deviations far from 1 (it used to vanish above about 1e20, where the
    /// product of the per-channel factors underflowed in float). dx is compared with the double-precision reference
    /// relative to its largest value, and the variance term is checked to matter (dx differs from gamma·invstd·(dy - mean dy));
    /// epsilon is tiny so that it does not hide the variance of the tiny standard deviations.
    /// </summary>
    [Theory]
    [InlineData(1e25)]
    [InlineData(1e15)]
    [InlineData(1e-15)]
    [InlineData(1e-25)]
    public void BackwardKeepsTheVarianceTermForExtremeStandardDeviations(double std)
    {
        TensorShape shape = TensorShape.Features(16, 3);
        float[] x = [.. TestData.Gaussian(48, 5).Select(v => (float)(v * std))];
        float[] dy = [.. TestData.Gaussian(48, 6).Select((v, i) => v + 0.5f * (float)(x[i] / std))];
        float[] gamma = [1.5f, 0.75f, 2f];
        var conventions = new BatchNormConventions(0.1, MomentumConvention.UpdateRate, 1e-60, RunningVarianceConvention.Unbiased);
        var layer = new BatchNorm(3, new BatchNormOptions { MaxThreads = 1, Conventions = conventions });
        layer.SetParameters(gamma, new float[3]);
        var y = new float[48];
        var dx = new float[48];
        layer.Forward(x, shape, y, BatchNormMode.Training);
        layer.Backward(x, dy, shape, dx);

        double eps = layer.Options.Conventions.Epsilon;
        var (expected, _, _) = ReferenceBatchNorm.Backward(x, dy, shape, gamma, eps);
        double scale = expected.Max(Math.Abs);
        Assert.True(double.IsFinite(scale) && scale > 0);
        for (int i = 0; i < dx.Length; i++)
        {
            Assert.True(Math.Abs(dx[i] - expected[i]) <= 1e-4 * scale, $"std {std:E0}: dx[{i}] = {dx[i]:R}, reference {expected[i]:R}");
        }

        var (_, variance) = ReferenceBatchNorm.Statistics(x, shape);
        double withoutVarianceTerm = Enumerable.Range(0, 48).Max(i =>
        {
            int c = i % 3;
            double meanDy = Enumerable.Range(0, 16).Average(n => (double)dy[n * 3 + c]);
            return Math.Abs(expected[i] - gamma[c] / Math.Sqrt(variance[c] + eps) * (dy[i] - meanDy));
        });
        Assert.True(withoutVarianceTerm > 0.1 * scale, "the data must make the variance term matter");
    }
}
