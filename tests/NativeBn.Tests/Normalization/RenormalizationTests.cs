using NativeBn.Normalization;
using NativeBn.Tests.Reference;

namespace NativeBn.Tests.Normalization;

public class RenormalizationTests
{
    [Theory]
    [InlineData(TensorLayout.NC)]
    [InlineData(TensorLayout.NCHW)]
    [InlineData(TensorLayout.NHWC)]
    public void ForwardAndBackwardUseClippedRAndD(TensorLayout layout)
    {
        TensorShape shape = layout switch
        {
            TensorLayout.NC => TensorShape.Features(9, 21),
            TensorLayout.NCHW => TensorShape.ChannelsFirst(3, 21, 3, 5),
            _ => TensorShape.ChannelsLast(3, 3, 5, 21),
        };
        const double rMax = 1.5, dMax = 0.5;
        BatchNorm layer = LayerFactory.Create(21, 8, new BatchNormOptions { MaxThreads = 1, Renormalization = BatchRenormalization.Fixed(rMax, dMax) });
        double[] runningMean = LayerFactory.ToDouble(TestData.Uniform(21, 1, -1.5f, 1.5f));
        double[] runningVariance = LayerFactory.ToDouble(TestData.Uniform(21, 2, 0.2f, 5f));
        layer.SetRunningStatistics(runningMean, runningVariance);
        float[] x = TestData.Channelwise(shape, 10);
        float[] dy = TestData.Gaussian(x.Length, 11);
        var y = new float[x.Length];
        var dx = new float[x.Length];

        layer.Forward(x, shape, y, BatchNormMode.Training);
        layer.Backward(x, dy, shape, dx);

        double eps = layer.Options.Conventions.Epsilon;
        var (mean, variance) = ReferenceBatchNorm.Statistics(x, shape);
        var r = new double[21];
        var d = new double[21];
        bool clippedR = false, clippedD = false;
        for (int c = 0; c < 21; c++)
        {
            double sigma = Math.Sqrt(runningVariance[c] + eps);
            double rawR = Math.Sqrt(variance[c] + eps) / sigma, rawD = (mean[c] - runningMean[c]) / sigma;
            r[c] = Math.Min(Math.Max(rawR, 1 / rMax), rMax);
            d[c] = Math.Min(Math.Max(rawD, -dMax), dMax);
            clippedR |= r[c] != rawR;
            clippedD |= d[c] != rawD;
        }

        Assert.True(clippedR && clippedD, "the data should exercise both clips");
        float[] gamma = layer.Gamma.ToArray();
        Assertions.Close(ReferenceBatchNorm.Normalize(x, shape, mean, variance, gamma, layer.Beta.ToArray(), eps, r, d), y, 2e-5, "y");
        var (expectedDx, dGamma, dBeta) = ReferenceBatchNorm.Backward(x, dy, shape, gamma, eps, r, d);
        Assertions.Close(expectedDx, dx, 2e-5, "dx");
        Assertions.Close(dGamma, layer.GammaGradient, 2e-5, "dgamma");
        Assertions.Close(dBeta, layer.BetaGradient, 2e-5, "dbeta");
    }

    [Fact]
    public void PaperScheduleRampsLinearly()
    {
        BatchRenormalization schedule = BatchRenormalization.PaperSchedule;
        Assert.Equal((1.0, 0.0), schedule.LimitsAt(0));
        Assert.Equal((1.0, 0.0), schedule.LimitsAt(5_000));
        Assert.Equal((1.0 + 2.0 * 17_500 / 35_000, 5.0 * 17_500 / 20_000), schedule.LimitsAt(22_500));
        Assert.Equal((3.0, 5.0), schedule.LimitsAt(40_000));
        Assert.Equal((3.0, 5.0), schedule.LimitsAt(1_000_000));
        Assert.Equal(5.0, schedule.LimitsAt(25_000).DMax);
    }

    [Fact]
    public void AtTheStartOfTheScheduleRenormalizationIsPlainBatchNormalization()
    {
        TensorShape shape = TensorShape.Features(16, 7);
        BatchNorm layer = LayerFactory.Create(7, 3, new BatchNormOptions { MaxThreads = 1, Renormalization = BatchRenormalization.PaperSchedule });
        double[] runningMean = LayerFactory.ToDouble(TestData.Uniform(7, 4, -1, 1));
        double[] runningVariance = LayerFactory.ToDouble(TestData.Uniform(7, 5, 0.5f, 2));
        layer.SetRunningStatistics(runningMean, runningVariance);
        float[] x = TestData.Channelwise(shape, 6);
        var y = new float[x.Length];

        layer.Forward(x, shape, y, BatchNormMode.Training);

        var (mean, variance) = ReferenceBatchNorm.Statistics(x, shape);
        double[] expected = ReferenceBatchNorm.Normalize(x, shape, mean, variance, layer.Gamma.ToArray(), layer.Beta.ToArray(), layer.Options.Conventions.Epsilon);
        Assertions.Close(expected, y, 2e-5, "with rmax = 1 and dmax = 0, r = 1 and d = 0");
    }
}
