using NativeBn.Normalization;
using NativeBn.Tests.Reference;

namespace NativeBn.Tests.Normalization;

public class PopulationStatisticsTests
{
    [Theory]
    [InlineData(TensorLayout.NC, 37)]
    [InlineData(TensorLayout.NCHW, 5)]
    [InlineData(TensorLayout.NHWC, 19)]
    public void MergingAnySplitEqualsOnePassAndTheTwoPassReference(TensorLayout layout, int channels)
    {
        const int samples = 211;
        TensorShape Shape(int n) => layout switch
        {
            TensorLayout.NC => TensorShape.Features(n, channels),
            TensorLayout.NCHW => TensorShape.ChannelsFirst(n, channels, 3, 5),
            _ => TensorShape.ChannelsLast(n, 3, 5, channels),
        };
        TensorShape all = Shape(samples);
        float[] x = TestData.Channelwise(all, 3);
        for (int i = 0; i < x.Length; i++)
        {
            x[i] += 50f;
        }

        var onePass = new PopulationStatistics(channels);
        onePass.Add(x, all);
        var (referenceMean, referenceVariance) = ReferenceBatchNorm.Statistics(x, all);
        Assertions.Close(referenceMean, onePass.Mean, 1e-12, "one pass mean");
        AssertRelative(referenceVariance, Variance(onePass), "one pass variance");

        var random = new Random(11);
        for (int trial = 0; trial < 20; trial++)
        {
            int[] cuts = [0, .. Enumerable.Range(0, random.Next(1, 8)).Select(_ => random.Next(1, samples)).Distinct().Order(), samples];
            var parts = new List<PopulationStatistics>();
            for (int k = 0; k + 1 < cuts.Length; k++)
            {
                int n = cuts[k + 1] - cuts[k];
                var part = new PopulationStatistics(channels);
                part.Add(Slice(x, all, cuts[k], n), Shape(n));
                parts.Add(part);
            }

            var merged = new PopulationStatistics(channels);
            foreach (PopulationStatistics part in parts.OrderBy(_ => random.Next()))
            {
                merged.Merge(part);
            }

            Assert.Equal(onePass.Count, merged.Count);
            AssertRelative(onePass.Mean.ToArray(), merged.Mean.ToArray(), $"merged mean, cuts {string.Join(",", cuts)}");
            AssertRelative(onePass.M2.ToArray(), merged.M2.ToArray(), $"merged M2, cuts {string.Join(",", cuts)}");
            AssertRelative(referenceVariance, Variance(merged), "merged variance vs two-pass reference");
        }
    }

    [Fact]
    public void AddingBatchByBatchEqualsOnePass()
    {
        TensorShape all = TensorShape.Features(1000, 10);
        float[] x = TestData.Channelwise(all, 8);
        var accumulator = new PopulationStatistics(10);
        for (int start = 0; start < 1000; start += 32)
        {
            int n = Math.Min(32, 1000 - start);
            accumulator.Add(Slice(x, all, start, n), TensorShape.Features(n, 10));
        }

        var (mean, variance) = ReferenceBatchNorm.Statistics(x, all);
        AssertRelative(mean, accumulator.Mean.ToArray(), "mean");
        AssertRelative(variance, Variance(accumulator), "variance");
        var unbiased = new double[10];
        accumulator.CopyVariance(unbiased, RunningVarianceConvention.Unbiased);
        AssertRelative(variance.Select(v => v * 1000 / 999).ToArray(), unbiased, "unbiased variance");
    }

    [Fact]
    public void LayerUsesPopulationStatisticsForInference()
    {
        TensorShape shape = TensorShape.ChannelsLast(9, 2, 2, 6);
        float[] x = TestData.Channelwise(shape, 4);
        var population = new PopulationStatistics(6);
        population.Add(x, shape);
        BatchNorm layer = LayerFactory.Create(6, 9);
        layer.SetPopulationStatistics(population);
        var y = new float[x.Length];

        layer.Infer(x, shape, y, NormalizationStatistics.Population);

        var (mean, variance) = ReferenceBatchNorm.Statistics(x, shape);
        double[] expected = ReferenceBatchNorm.Normalize(x, shape, mean, variance, layer.Gamma.ToArray(), layer.Beta.ToArray(), layer.Options.Conventions.Epsilon);
        Assertions.Close(expected, y, 2e-5, "y");
        Assert.Equal(36, layer.PopulationCount);
    }

    [Fact]
    public void NonFiniteBatchIsRejectedAndNothingIsAdded()
    {
        TensorShape shape = TensorShape.Features(4, 3);
        var accumulator = new PopulationStatistics(3);
        accumulator.Add(TestData.Gaussian(12, 1), shape);
        double[] mean = accumulator.Mean.ToArray(), m2 = accumulator.M2.ToArray();
        float[] bad = TestData.Gaussian(12, 2);
        bad[7] = float.NaN;

        var error = Assert.Throws<ArgumentException>(() => accumulator.Add(bad, shape));

        Assert.Equal("x", error.ParamName);
        Assert.Contains("channel 1", error.Message);
        Assert.Equal(4, accumulator.Count);
        Assert.Equal(mean, accumulator.Mean.ToArray());
        Assert.Equal(m2, accumulator.M2.ToArray());
    }

    private static float[] Slice(float[] x, TensorShape all, int start, int count)
    {
        int perSample = (int)(all.ElementCount / all.Batch);
        return x.AsSpan(start * perSample, count * perSample).ToArray();
    }

    private static double[] Variance(PopulationStatistics statistics)
    {
        var variance = new double[statistics.Channels];
        statistics.CopyVariance(variance, RunningVarianceConvention.Biased);
        return variance;
    }

    private static void AssertRelative(double[] expected, double[] actual, string what)
    {
        for (int c = 0; c < expected.Length; c++)
        {
            Assertions.Relative(expected[c], actual[c], 1e-12, $"{what}[{c}]");
        }
    }
}
