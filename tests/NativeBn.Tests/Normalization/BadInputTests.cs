using NativeBn.Normalization;

namespace NativeBn.Tests.Normalization;

/// <summary>Bad input gets a clear exception naming the argument with expected and actual values, and changes nothing.</summary>
public class BadInputTests
{
    private static readonly TensorShape Shape = TensorShape.Features(6, 4);

    private static BatchNorm TrainedLayer(BatchNormOptions? options = null)
    {
        BatchNorm layer = LayerFactory.Create(4, 2, options);
        float[] x = TestData.Gaussian(24, 3);
        layer.Forward(x, Shape, new float[24], BatchNormMode.Training);
        layer.Backward(x, TestData.Gaussian(24, 4), Shape, new float[24]);
        return layer;
    }

    private static T Rejected<T>(BatchNorm layer, Action call)
        where T : Exception
    {
        LayerSnapshot before = LayerSnapshot.Of(layer);
        T error = Assert.Throws<T>(call);
        Assert.Equal(before, LayerSnapshot.Of(layer));
        return error;
    }

    [Fact]
    public void MismatchedInputLengthNamesTheArgumentAndBothLengths()
    {
        BatchNorm layer = TrainedLayer();
        var error = Rejected<ArgumentException>(layer, () => layer.Forward(new float[23], Shape, new float[24], BatchNormMode.Training));
        Assert.Equal("x", error.ParamName);
        Assert.Contains("23", error.Message);
        Assert.Contains("24", error.Message);
        Assert.Contains("NC [6, 4]", error.Message);
    }

    [Fact]
    public void MismatchedOutputLengthsAreRejectedEverywhere()
    {
        BatchNorm layer = TrainedLayer();
        float[] x = new float[24];
        Assert.Equal("y", Rejected<ArgumentException>(layer, () => layer.Forward(x, Shape, new float[25], BatchNormMode.Training)).ParamName);
        Assert.Equal("y", Rejected<ArgumentException>(layer, () => layer.Infer(x, Shape, new float[1])).ParamName);
        Assert.Equal("inputGradient", Rejected<ArgumentException>(layer, () => layer.Backward(x, x, Shape, new float[2])).ParamName);
        Assert.Equal("outputGradient", Rejected<ArgumentException>(layer, () => layer.Backward(x, new float[3], Shape, x)).ParamName);
    }

    [Fact]
    public void WrongChannelCountNamesBothCounts()
    {
        BatchNorm layer = TrainedLayer();
        TensorShape wrong = TensorShape.Features(6, 5);
        var error = Rejected<ArgumentException>(layer, () => layer.Forward(new float[30], wrong, new float[30], BatchNormMode.Training));
        Assert.Equal("shape", error.ParamName);
        Assert.Contains("5 channels", error.Message);
        Assert.Contains("has 4", error.Message);
    }

    [Fact]
    public void BackwardWithAnotherShapeThanTheForwardIsRejected()
    {
        BatchNorm layer = TrainedLayer();
        TensorShape other = TensorShape.Features(3, 4);
        var error = Rejected<ArgumentException>(layer, () => layer.Backward(new float[12], new float[12], other, new float[12]));
        Assert.Equal("shape", error.ParamName);
        Assert.Contains("NC [6, 4]", error.Message);
        Assert.Contains("NC [3, 4]", error.Message);
    }

    [Fact]
    public void BackwardBeforeAnyForwardIsRejected()
    {
        BatchNorm layer = LayerFactory.Create(4, 1);
        Assert.Throws<InvalidOperationException>(() => layer.Backward(new float[24], new float[24], Shape, new float[24]));
    }

    [Theory]
    [InlineData(0, 4)]
    [InlineData(3, 0)]
    [InlineData(-1, 4)]
    public void ZeroOrNegativeSizesNameTheArgument(int n, int c)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => TensorShape.Features(n, c));
        Assert.Equal(n <= 0 ? "batch" : "channels", error.ParamName);
        Assert.Contains($"got {(n <= 0 ? n : c)}", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new BatchNorm(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PopulationStatistics(-2));
    }

    [Theory]
    [InlineData(int.MaxValue, int.MaxValue, int.MaxValue, int.MaxValue)]
    [InlineData(65536, 65536, 65536, 65536)]
    [InlineData(1 << 16, 1 << 15, 1, 1)]
    public void ShapesBeyondABufferAreRejectedWithoutOverflow(int n, int c, int h, int w)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => TensorShape.ChannelsFirst(n, c, h, w));
        Assert.Contains($"batch {n}, channels {c}, height {h}, width {w}", error.Message);
        Assert.Contains($"{Array.MaxLength}", error.Message);
    }

    [Fact]
    public void InferenceOffItsFastPathStillChecksEveryArgument()
    {
        BatchNorm layer = TrainedLayer();
        var shape = TensorShape.Features(2, 4);
        Assert.Equal("x", Assert.Throws<ArgumentException>(() => layer.Infer(new float[7], shape, new float[8])).ParamName);
        Assert.Equal("y", Assert.Throws<ArgumentException>(() => layer.Infer(new float[8], shape, new float[9])).ParamName);
        Assert.Equal("shape", Assert.Throws<ArgumentException>(() => layer.Infer(new float[8], TensorShape.Features(2, 5), new float[8])).ParamName);
        Assert.Equal("shape", Assert.Throws<ArgumentException>(() => layer.Infer(new float[8], default, new float[8])).ParamName);
        Assert.Throws<InvalidOperationException>(() => layer.Infer(new float[8], shape, new float[8], NormalizationStatistics.Population));
    }

    [Fact]
    public void DefaultShapeIsRejected()
    {
        BatchNorm layer = TrainedLayer();
        var error = Rejected<ArgumentException>(layer, () => layer.Forward(new float[24], default, new float[24], BatchNormMode.Training));
        Assert.Equal("shape", error.ParamName);
    }

    [Theory]
    [InlineData(-1e-5)]
    [InlineData(0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void InvalidEpsilonIsRejected(double eps)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => BatchNormConventions.PyTorch.WithEpsilon(eps));
        Assert.Equal("epsilon", error.ParamName);
        Assert.Contains("greater than 0", error.Message);
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void MomentumOutsideUnitIntervalIsRejected(double momentum)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(
            () => new BatchNormConventions(momentum, MomentumConvention.Decay, 1e-5, RunningVarianceConvention.Biased));
        Assert.Equal("momentum", error.ParamName);
        Assert.Contains("[0, 1]", error.Message);
    }

    [Fact]
    public void NaNInTheBatchThrowsUnderTheThrowPolicyAndChangesNothing()
    {
        BatchNorm layer = TrainedLayer();
        float[] x = TestData.Gaussian(24, 9);
        x[6] = float.NaN;
        var error = Rejected<NonFiniteBatchException>(layer, () => layer.Forward(x, Shape, new float[24], BatchNormMode.Training));
        Assert.Equal("x", error.ParamName);
        Assert.Equal(2, error.Channel);
        Assert.Contains("channel 2", error.Message);
    }

    [Fact]
    public void InfinityInTheBatchUnderSkipPolicyNormalizesButNeverPoisonsRunningStatistics()
    {
        BatchNorm layer = TrainedLayer(new BatchNormOptions { MaxThreads = 1, NonFinite = NonFinitePolicy.SkipUpdate });
        double[] runningMean = layer.RunningMean.ToArray(), runningVariance = layer.RunningVariance.ToArray();
        long tracked = layer.BatchesTracked;
        float[] x = TestData.Gaussian(24, 9);
        x[5] = float.PositiveInfinity;
        var y = new float[24];

        BatchNormForwardResult result = layer.Forward(x, Shape, y, BatchNormMode.Training);

        Assert.Equal(RunningStatisticsUpdate.SkippedNonFinite, result.Update);
        Assert.Equal(1, layer.SkippedUpdates);
        Assert.Equal(tracked, layer.BatchesTracked);
        Assert.Equal(runningMean, layer.RunningMean.ToArray());
        Assert.Equal(runningVariance, layer.RunningVariance.ToArray());
        Assert.True(float.IsNaN(y[1]), "the affected channel is not finite");
        Assert.True(float.IsFinite(y[0]) && float.IsFinite(y[2]) && float.IsFinite(y[3]), "other channels are normalized");
    }

    [Fact]
    public void OneValuePerChannelThrowsByDefault()
    {
        BatchNorm layer = TrainedLayer();
        TensorShape single = TensorShape.ChannelsFirst(1, 4, 1, 1);
        var error = Rejected<ArgumentException>(layer, () => layer.Forward(new float[4], single, new float[4], BatchNormMode.Training));
        Assert.Equal("x", error.ParamName);
        Assert.Contains("one value per channel", error.Message);
    }

    [Fact]
    public void OneValuePerChannelUsesRunningStatisticsByOption()
    {
        BatchNorm layer = TrainedLayer(new BatchNormOptions { MaxThreads = 1, SingleValue = SingleValuePolicy.UseRunningStatistics });
        TensorShape single = TensorShape.Features(1, 4);
        float[] x = TestData.Gaussian(4, 12);
        var y = new float[4];
        var expected = new float[4];
        layer.Infer(x, single, expected);
        double[] runningMean = layer.RunningMean.ToArray();

        BatchNormForwardResult result = layer.Forward(x, single, y, BatchNormMode.Training);

        Assert.Equal(new BatchNormForwardResult(NormalizationStatistics.Running, RunningStatisticsUpdate.SkippedSingleValue), result);
        Assert.Equal(expected, y);
        Assert.Equal(runningMean, layer.RunningMean.ToArray());
    }

    [Fact]
    public void PopulationStatisticsBeforeTheyAreSetIsAnInvalidOperation()
    {
        BatchNorm layer = TrainedLayer();
        Rejected<InvalidOperationException>(layer, () => layer.Infer(new float[24], Shape, new float[24], NormalizationStatistics.Population));
        Rejected<InvalidOperationException>(layer, () => layer.Forward(new float[24], Shape, new float[24],
            BatchNormMode.Evaluation with { NormalizeWith = NormalizationStatistics.Population }));
    }

    [Fact]
    public void InvalidStoredStatisticsAreRejected()
    {
        BatchNorm layer = TrainedLayer();
        double[] mean = new double[4];
        Assert.Equal("variance", Rejected<ArgumentException>(layer, () => layer.SetRunningStatistics(mean, [1, 1, -1, 1])).ParamName);
        Assert.Equal("mean", Rejected<ArgumentException>(layer, () => layer.SetRunningStatistics([0, double.NaN, 0, 0], [1, 1, 1, 1])).ParamName);
        Assert.Equal("variance", Rejected<ArgumentException>(layer, () => layer.SetRunningStatistics(mean, [1, 1, 1])).ParamName);
        Assert.Equal("gamma", Rejected<ArgumentException>(layer, () => layer.SetParameters([1, 1, 1], [0, 0, 0, 0])).ParamName);
        Assert.Equal("beta", Rejected<ArgumentException>(layer, () => layer.SetParameters([1, 1, 1, 1], [0, float.NaN, 0, 0])).ParamName);
    }

    [Fact]
    public void InvalidOptionsAreRejected()
    {
        Assert.Equal("MaxThreads", Assert.Throws<ArgumentOutOfRangeException>(() => new BatchNormOptions { MaxThreads = 0 }).ParamName);
        Assert.Equal("rMax", Assert.Throws<ArgumentOutOfRangeException>(() => BatchRenormalization.Fixed(0.5, 1)).ParamName);
        Assert.Equal("dMax", Assert.Throws<ArgumentOutOfRangeException>(() => BatchRenormalization.Fixed(2, -1)).ParamName);
    }
}
