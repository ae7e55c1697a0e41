using NativeBn.Normalization;
using NativeBn.Tests.Reference;

namespace NativeBn.Tests.Normalization;

/// <summary>Every operation against the double-precision reference, for all layouts, C = 1..130 and odd batch sizes.</summary>
public class ForwardBackwardTests
{
    public static TheoryData<int> ChannelCounts()
    {
        var data = new TheoryData<int>();
        for (int c = 1; c <= 130; c++)
        {
            data.Add(c);
        }

        return data;
    }

    /// <summary>Channels-first planes of every length 1..70 (the runs the channels-first kernels vectorize over).</summary>
    public static TheoryData<int> PlaneLengths()
    {
        var data = new TheoryData<int>();
        for (int s = 1; s <= 70; s++)
        {
            data.Add(s);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(PlaneLengths))]
    public void EveryPlaneLengthMatchesReference(int planeLength)
    {
        TensorShape[] shapes = [TensorShape.ChannelsFirst(3, 2, 1, planeLength), TensorShape.ChannelsFirst(2, 1, planeLength, 1)];
        foreach (TensorShape shape in shapes)
        {
            CheckTrainingForward(shape);
            CheckBackward(shape);
            CheckInference(shape);
        }
    }

    [Theory]
    [MemberData(nameof(ChannelCounts))]
    public void TrainingForwardMatchesReference(int channels)
    {
        foreach (TensorShape shape in TestData.ShapesFor(channels))
        {
            CheckTrainingForward(shape);
        }
    }

    [Theory]
    [MemberData(nameof(ChannelCounts))]
    public void BackwardMatchesReference(int channels)
    {
        foreach (TensorShape shape in TestData.ShapesFor(channels))
        {
            CheckBackward(shape);
        }
    }

    [Theory]
    [MemberData(nameof(ChannelCounts))]
    public void InferenceMatchesReference(int channels)
    {
        foreach (TensorShape shape in TestData.ShapesFor(channels))
        {
            CheckInference(shape);
        }
    }

    private static void CheckTrainingForward(TensorShape shape)
    {
        int channels = shape.Channels;
        BatchNorm layer = LayerFactory.Create(channels, channels);
        float[] x = TestData.Channelwise(shape, channels * 7 + (int)shape.Layout);
        var y = new float[x.Length];

        layer.Forward(x, shape, y, BatchNormMode.Training);

        var (mean, variance) = ReferenceBatchNorm.Statistics(x, shape);
        double eps = layer.Options.Conventions.Epsilon;
        double[] expected = ReferenceBatchNorm.Normalize(x, shape, mean, variance, layer.Gamma.ToArray(), layer.Beta.ToArray(), eps);
        Assertions.Close(expected, y, 2e-5, $"y {shape}");
        Assertions.Close(mean, layer.SavedMean, 1e-12, $"mean {shape}");
        Assertions.Close(variance, layer.SavedVariance, 1e-12, $"variance {shape}");
        for (int c = 0; c < channels; c++)
        {
            Assertions.Relative(1 / Math.Sqrt(variance[c] + eps), layer.SavedInverseStd[c], 1e-12, $"invstd {shape}");
        }
    }

    private static void CheckBackward(TensorShape shape)
    {
        int channels = shape.Channels;
        BatchNorm layer = LayerFactory.Create(channels, channels + 3);
        float[] x = TestData.Channelwise(shape, channels * 11 + (int)shape.Layout);
        float[] dy = TestData.Gaussian(x.Length, channels * 13);
        var y = new float[x.Length];
        var dx = new float[x.Length];

        layer.Forward(x, shape, y, BatchNormMode.Training);
        layer.Backward(x, dy, shape, dx);

        var (expectedDx, dGamma, dBeta) = ReferenceBatchNorm.Backward(x, dy, shape, layer.Gamma.ToArray(), layer.Options.Conventions.Epsilon);
        double scale = TermScale(x, dy, shape, layer);
        Assertions.Close(Divide(expectedDx, scale), Divide(layer: dx, scale), 2e-5, $"dx {shape} / {scale:G3}");
        Assertions.Close(dGamma, layer.GammaGradient, 2e-5, $"dgamma {shape}");
        Assertions.Close(dBeta, layer.BetaGradient, 2e-5, $"dbeta {shape}");
    }

    private static void CheckInference(TensorShape shape)
    {
        int channels = shape.Channels;
        BatchNorm layer = LayerFactory.Create(channels, channels + 5);
        double[] mean = LayerFactory.ToDouble(TestData.Uniform(channels, channels, -2, 2));
        double[] variance = LayerFactory.ToDouble(TestData.Uniform(channels, channels + 1, 0.1f, 4));
        layer.SetRunningStatistics(mean, variance);
        float[] x = TestData.Channelwise(shape, channels * 17 + (int)shape.Layout);
        var y = new float[x.Length];
        var yRelu = new float[x.Length];

        layer.Infer(x, shape, y);
        layer.Infer(x, shape, yRelu, NormalizationStatistics.Running, fuseRelu: true);

        double[] expected = ReferenceBatchNorm.Normalize(x, shape, mean, variance, layer.Gamma.ToArray(), layer.Beta.ToArray(), layer.Options.Conventions.Epsilon);
        Assertions.Close(expected, y, 2e-5, $"y {shape}");
        Assertions.Close(expected.Select(v => Math.Max(v, 0)).ToArray(), yRelu, 2e-5, $"relu(y) {shape}");
    }

    [Theory]
    [MemberData(nameof(ChannelCounts))]
    public void FrozenStatisticsForwardAndBackwardMatchReference(int channels)
    {
        foreach (TensorShape shape in TestData.ShapesFor(channels))
        {
            BatchNorm layer = LayerFactory.Create(channels, channels + 9);
            double[] mean = LayerFactory.ToDouble(TestData.Uniform(channels, channels + 2, -1, 1));
            double[] variance = LayerFactory.ToDouble(TestData.Uniform(channels, channels + 3, 0.5f, 2));
            layer.SetRunningStatistics(mean, variance);
            float[] x = TestData.Channelwise(shape, channels * 19);
            float[] dy = TestData.Gaussian(x.Length, channels * 23);
            var y = new float[x.Length];
            var dx = new float[x.Length];

            BatchNormForwardResult result = layer.Forward(x, shape, y, BatchNormMode.FrozenStatistics);
            layer.Backward(x, dy, shape, dx);

            Assert.Equal(NormalizationStatistics.Running, result.NormalizedWith);
            double eps = layer.Options.Conventions.Epsilon;
            float[] gamma = layer.Gamma.ToArray();
            Assertions.Close(ReferenceBatchNorm.Normalize(x, shape, mean, variance, gamma, layer.Beta.ToArray(), eps), y, 2e-5, "y");
            for (int c = 0; c < channels; c++)
            {
                double inverseStd = 1 / Math.Sqrt(variance[c] + eps);
                double sumDy = 0, sumDyXHat = 0;
                foreach (int i in ReferenceBatchNorm.ChannelIndices(shape, c))
                {
                    Assertions.Close(dy[i] * gamma[c] * inverseStd, dx[i], 2e-5, "dx", i);
                    sumDy += dy[i];
                    sumDyXHat += dy[i] * (x[i] - mean[c]) * inverseStd;
                }

                Assertions.Close(sumDyXHat, layer.GammaGradient[c], 2e-5, "dgamma", c);
                Assertions.Close(sumDy, layer.BetaGradient[c], 2e-5, "dbeta", c);
            }

            Assert.Equal(mean, layer.RunningMean.ToArray());
        }
    }

    /// <summary>
    /// Size of the terms dx is summed from (<c>gamma·invstd·|dy|</c>): dx can be far smaller than its terms
    /// (with two values per channel it is nearly 0), so float results are compared relative to the terms.
    /// </summary>
    private static double TermScale(float[] x, float[] dy, TensorShape shape, BatchNorm layer)
    {
        var (_, variance) = ReferenceBatchNorm.Statistics(x, shape);
        double scale = 0;
        for (int c = 0; c < shape.Channels; c++)
        {
            double a = Math.Abs(layer.Gamma[c]) / Math.Sqrt(variance[c] + layer.Options.Conventions.Epsilon);
            foreach (int i in ReferenceBatchNorm.ChannelIndices(shape, c))
            {
                scale = Math.Max(scale, a * Math.Abs(dy[i]));
            }
        }

        return scale;
    }

    private static double[] Divide(double[] values, double scale) => values.Select(v => v / scale).ToArray();

    private static double[] Divide(float[] layer, double scale) => layer.Select(v => v / scale).ToArray();
}
