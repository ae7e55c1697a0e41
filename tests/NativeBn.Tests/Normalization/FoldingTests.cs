using NativeBn.Normalization;

namespace NativeBn.Tests.Normalization;

public class FoldingTests
{
    [Theory]
    [InlineData(NormalizationStatistics.Running)]
    [InlineData(NormalizationStatistics.Population)]
    public void FoldedDenseEqualsDenseFollowedByBatchNorm(NormalizationStatistics statistics)
    {
        const int inputs = 13, outputs = 9;
        float[] weights = TestData.Gaussian(inputs * outputs, 1, std: 0.3);
        float[] bias = TestData.Gaussian(outputs, 2);
        BatchNorm layer = LayerFactory.Create(outputs, 3);
        layer.SetRunningStatistics(LayerFactory.ToDouble(TestData.Uniform(outputs, 4, -1, 1)), LayerFactory.ToDouble(TestData.Uniform(outputs, 5, 0.2f, 3)));
        layer.SetPopulationStatistics(LayerFactory.ToDouble(TestData.Uniform(outputs, 6, -1, 1)), LayerFactory.ToDouble(TestData.Uniform(outputs, 7, 0.2f, 3)), 100);
        var foldedWeights = new float[weights.Length];
        var foldedBias = new float[outputs];

        BatchNormFolding.FoldIntoDense(weights, bias, inputs, layer, statistics, foldedWeights, foldedBias);

        ReadOnlySpan<double> mean = statistics == NormalizationStatistics.Running ? layer.RunningMean : layer.PopulationMean;
        ReadOnlySpan<double> variance = statistics == NormalizationStatistics.Running ? layer.RunningVariance : layer.PopulationVariance;
        double eps = layer.Options.Conventions.Epsilon;
        float[] input = TestData.Gaussian(inputs, 8);
        for (int o = 0; o < outputs; o++)
        {
            double dense = bias[o], folded = foldedBias[o];
            for (int i = 0; i < inputs; i++)
            {
                dense += (double)weights[o * inputs + i] * input[i];
                folded += (double)foldedWeights[o * inputs + i] * input[i];
            }

            double expected = layer.Gamma[o] * (dense - mean[o]) / Math.Sqrt(variance[o] + eps) + layer.Beta[o];
            Assertions.Close(expected, folded, 1e-5, "folded output", o);
        }
    }

    [Fact]
    public void FoldingChecksShapes()
    {
        BatchNorm layer = LayerFactory.Create(4, 1);
        var error = Assert.Throws<ArgumentException>(() =>
            BatchNormFolding.FoldIntoDense(new float[11], new float[4], 3, layer, NormalizationStatistics.Running, new float[12], new float[4]));
        Assert.Equal("weights", error.ParamName);
        Assert.Contains("[outputs = 4, inputs = 3]", error.Message);
        Assert.Throws<InvalidOperationException>(() =>
            BatchNormFolding.FoldIntoDense(new float[12], new float[4], 3, layer, NormalizationStatistics.Population, new float[12], new float[4]));
    }
}
