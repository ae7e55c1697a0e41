using NativeBn.Kernels;
using NativeBn.Normalization;

namespace NativeBn.Tests.Normalization;

/// <summary>
/// Outputs, statistics and gradients are bit-identical for 1, 2 and 8 threads. The small-plane channels-first shapes have
/// threads claim many chunks at once (700 chunks in claims of 167, the last one partial; 256 in claims of 10).
/// </summary>
public class ThreadDeterminismTests
{
    public static TheoryData<TensorLayout, int, int, int, int> Shapes() => new()
    {
        { TensorLayout.NC, 4099, 67, 1, 1 },
        { TensorLayout.NCHW, 11, 7, 61, 67 },
        { TensorLayout.NHWC, 9, 31, 33, 29 },
        { TensorLayout.NCHW, 1, 5, 300, 301 },
        { TensorLayout.NCHW, 2, 700, 7, 7 },
        { TensorLayout.NCHW, 8, 256, 14, 14 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void ResultsAreBitIdenticalForAnyThreadCount(TensorLayout layout, int n, int c, int h, int w)
    {
        TensorShape shape = layout switch
        {
            TensorLayout.NC => TensorShape.Features(n, c),
            TensorLayout.NCHW => TensorShape.ChannelsFirst(n, c, h, w),
            _ => TensorShape.ChannelsLast(n, h, w, c),
        };
        Assert.True(ChannelGeometry.From(shape).ChunkCount >= ChannelKernels.MinParallelChunks, "shape too small to use threads");
        float[] x = TestData.Gaussian((int)shape.ElementCount, 3, mean: 3, std: 2);
        float[] dy = TestData.Gaussian(x.Length, 4);

        var results = new[] { 1, 2, 8 }.Select(threads => Run(shape, x, dy, threads)).ToArray();

        foreach (var other in results.Skip(1))
        {
            Assertions.BitwiseEqual(results[0].Y, other.Y, "y");
            Assertions.BitwiseEqual(results[0].Dx, other.Dx, "dx");
            Assertions.BitwiseEqual(results[0].Inferred, other.Inferred, "inference");
            Assertions.BitwiseEqual(results[0].Mean, other.Mean, "batch mean");
            Assertions.BitwiseEqual(results[0].Variance, other.Variance, "batch variance");
            Assertions.BitwiseEqual(results[0].RunningVariance, other.RunningVariance, "running variance");
            Assertions.BitwiseEqual(results[0].DGamma, other.DGamma, "dgamma");
            Assertions.BitwiseEqual(results[0].PopulationM2, other.PopulationM2, "population M2");
        }
    }

    private static Result Run(TensorShape shape, float[] x, float[] dy, int threads)
    {
        BatchNorm layer = LayerFactory.Create(shape.Channels, 5, new BatchNormOptions { MaxThreads = threads });
        var y = new float[x.Length];
        var dx = new float[x.Length];
        var inferred = new float[x.Length];
        layer.Forward(x, shape, y, BatchNormMode.Training);
        layer.Backward(x, dy, shape, dx);
        layer.Infer(x, shape, inferred);
        var population = new PopulationStatistics(shape.Channels) { MaxThreads = threads };
        population.Add(x, shape);
        return new Result(y, dx, inferred, layer.SavedMean.ToArray(), layer.SavedVariance.ToArray(),
            layer.RunningVariance.ToArray(), layer.GammaGradient.ToArray(), population.M2.ToArray());
    }

    private sealed record Result(
        float[] Y, float[] Dx, float[] Inferred, double[] Mean, double[] Variance, double[] RunningVariance,
        float[] DGamma, double[] PopulationM2);
}
