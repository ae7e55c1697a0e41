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
}
