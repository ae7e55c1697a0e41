using NativeBn.Normalization;

namespace NativeBn.Tests.Normalization;

/// <summary>Steady-state calls allocate nothing (see <see cref="AllocationMeter"/>).</summary>
public class AllocationTests
{
    [Theory]
    [InlineData(64)]
    [InlineData(1000)]
    public void BatchOfOneInferenceAllocatesNothing(int channels)
    {
        BatchNorm layer = LayerFactory.Create(channels, 1);
        TensorShape shape = TensorShape.Features(1, channels);
        float[] x = TestData.Gaussian(channels, 2);
        var y = new float[channels];

        long allocated = AllocationMeter.Measure(() =>
        {
            for (int i = 0; i < 100; i++)
            {
                layer.Infer(x, shape, y);
                layer.Infer(x, shape, y, NormalizationStatistics.Running, fuseRelu: true);
            }
        });

        Assert.Equal(0, allocated);
    }

    [Theory]
    [InlineData(TensorLayout.NC)]
    [InlineData(TensorLayout.NCHW)]
    [InlineData(TensorLayout.NHWC)]
    public void TrainingForwardAndBackwardAllocateNothing(TensorLayout layout)
    {
        TensorShape shape = layout switch
        {
            TensorLayout.NC => TensorShape.Features(32, 256),
            TensorLayout.NCHW => TensorShape.ChannelsFirst(8, 16, 7, 7),
            _ => TensorShape.ChannelsLast(8, 7, 7, 16),
        };
        BatchNorm layer = LayerFactory.Create(shape.Channels, 3, new BatchNormOptions
        {
            MaxThreads = 1,
            Renormalization = BatchRenormalization.PaperSchedule,
        });
        float[] x = TestData.Gaussian((int)shape.ElementCount, 4);
        float[] dy = TestData.Gaussian(x.Length, 5);
        var y = new float[x.Length];
        var dx = new float[x.Length];

        long allocated = AllocationMeter.Measure(() =>
        {
            for (int i = 0; i < 20; i++)
            {
                layer.Forward(x, shape, y, BatchNormMode.Training);
                layer.Backward(x, dy, shape, dx);
                layer.Forward(x, shape, y, BatchNormMode.FrozenStatistics);
                layer.Backward(x, dy, shape, dx);
            }
        });

        Assert.Equal(0, allocated);
    }

    [Fact]
    public void PopulationAccumulationAllocatesNothing()
    {
        TensorShape shape = TensorShape.Features(32, 64);
        float[] x = TestData.Gaussian((int)shape.ElementCount, 6);
        var accumulator = new PopulationStatistics(64) { MaxThreads = 1 };

        long allocated = AllocationMeter.Measure(() =>
        {
            for (int i = 0; i < 20; i++)
            {
                accumulator.Add(x, shape);
            }
        });

        Assert.Equal(0, allocated);
    }
}
