using NativeBn.Normalization;

namespace NativeBn.Cuda.Tests;

/// <summary>
/// Every CUDA kernel against the CPU engine on the same layer state: inference (with and without the fused ReLU),
/// training forward (statistics, normalization, running update), backward (sums and the element-wise pass) for NC,
/// NCHW and NHWC with C = 1, 3, 1000 and N = 1, 2, 4096. Relative error (max norm) at most 1e-5.
/// </summary>
public sealed class CudaBatchNormTests
{
    public static TheoryData<TensorLayout, int, int> Shapes()
    {
        var data = new TheoryData<TensorLayout, int, int>();
        foreach (TensorLayout layout in new[] { TensorLayout.NC, TensorLayout.NCHW, TensorLayout.NHWC })
        {
            foreach (int batch in new[] { 1, 2, 4096 })
            {
                foreach (int channels in new[] { 1, 3, 1000 })
                {
                    data.Add(layout, batch, channels);
                }
            }
        }

        return data;
    }

    [CudaTheory]
    [MemberData(nameof(Shapes))]
    public void InferenceTrainingAndBackwardMatchTheCpuEngine(TensorLayout layout, int batch, int channels)
    {
        TensorShape shape = ShapeOf(layout, batch, channels);
        var options = new BatchNormOptions { SingleValue = SingleValuePolicy.NormalizeAnyway };
        using var pair = new LayerPair(channels, options, seed: batch * 7 + channels);
        var random = new Random(batch + channels);
        float[] x = LayerPair.Values(random, shape.ElementCount, -3, 5);
        float[] dy = LayerPair.Values(random, shape.ElementCount, -1, 1);

        foreach (bool relu in new[] { false, true })
        {
            float[] cpu = new float[x.Length];
            pair.Cpu.Infer(x, shape, cpu, fuseRelu: relu);
            float[] gpu = RunInference(pair.Gpu, x, shape, NormalizationStatistics.Running, relu);
            Comparison.Close(cpu, gpu, $"{shape} inference, ReLU {relu}");
        }

        (float[] cpuY, float[] gpuY, float[] cpuDx, float[] gpuDx) = TrainingStep(pair, x, dy, shape, BatchNormMode.Training);
        Comparison.Close(cpuY, gpuY, $"{shape} training forward");
        Comparison.Close(cpuDx, gpuDx, $"{shape} input gradient");
        pair.AssertSameState($"{shape} after a training step");
    }

    [CudaFact]
    public void BatchRenormalizationMatchesTheCpuEngine()
    {
        TensorShape shape = TensorShape.ChannelsLast(16, 3, 3, 37);
        var options = new BatchNormOptions { Renormalization = BatchRenormalization.Fixed(1.5, 0.5) };
        using var pair = new LayerPair(37, options, seed: 5);
        var random = new Random(6);
        float[] x = LayerPair.Values(random, shape.ElementCount, -6, 9);
        float[] dy = LayerPair.Values(random, shape.ElementCount, -1, 1);

        (float[] cpuY, float[] gpuY, float[] cpuDx, float[] gpuDx) = TrainingStep(pair, x, dy, shape, BatchNormMode.Training);

        Comparison.Close(cpuY, gpuY, "renormalized forward");
        Comparison.Close(cpuDx, gpuDx, "renormalized input gradient");
        pair.AssertSameState("renormalized step");
    }

    [CudaTheory]
    [InlineData("Keras")]
    [InlineData("TensorFlowFused")]
    [InlineData("PyTorchCumulativeAverage")]
    public void OtherConventionsMatchTheCpuEngine(string name)
    {
        BatchNormConventions conventions = name switch
        {
            "Keras" => BatchNormConventions.Keras,
            "TensorFlowFused" => BatchNormConventions.TensorFlowFused,
            _ => BatchNormConventions.PyTorchCumulativeAverage,
        };
        TensorShape shape = TensorShape.ChannelsFirst(8, 11, 4, 5);
        using var pair = new LayerPair(11, BatchNormOptions.For(conventions), seed: 9);
        var random = new Random(10);
        float[] x = LayerPair.Values(random, shape.ElementCount, -2, 3);
        float[] dy = LayerPair.Values(random, shape.ElementCount, -1, 1);

        for (int step = 0; step < 3; step++)
        {
            (float[] cpuY, float[] gpuY, float[] cpuDx, float[] gpuDx) = TrainingStep(pair, x, dy, shape, BatchNormMode.Training);
            Comparison.Close(cpuY, gpuY, $"{name} forward, step {step}");
            Comparison.Close(cpuDx, gpuDx, $"{name} input gradient, step {step}");
            pair.AssertSameState($"{name}, step {step}");
        }
    }

    [CudaFact]
    public void FrozenStatisticsAndEvaluationModesMatchTheCpuEngine()
    {
        TensorShape shape = TensorShape.Features(64, 300);
        using var pair = new LayerPair(300, new BatchNormOptions(), seed: 12);
        var random = new Random(13);
        float[] x = LayerPair.Values(random, shape.ElementCount, -2, 3);
        float[] dy = LayerPair.Values(random, shape.ElementCount, -1, 1);

        foreach (BatchNormMode mode in new[] { BatchNormMode.FrozenStatistics, BatchNormMode.Evaluation, BatchNormMode.Frozen })
        {
            (float[] cpuY, float[] gpuY, float[] cpuDx, float[] gpuDx) = TrainingStep(pair, x, dy, shape, mode);
            Comparison.Close(cpuY, gpuY, $"{mode} forward");
            Comparison.Close(cpuDx, gpuDx, $"{mode} input gradient");
            pair.AssertSameState($"{mode}");
        }
    }

    [CudaFact]
    public void PopulationInferenceMatchesTheCpuEngine()
    {
        TensorShape shape = TensorShape.ChannelsLast(5, 7, 7, 64);
        using var pair = new LayerPair(64, new BatchNormOptions(), seed: 14);
        var random = new Random(15);
        double[] mean = Array.ConvertAll(LayerPair.Values(random, 64, -1, 1), v => (double)v);
        double[] variance = Array.ConvertAll(LayerPair.Values(random, 64, 0.1, 3), v => (double)v);
        pair.Cpu.SetPopulationStatistics(mean, variance, 1000);
        pair.Gpu.Layer.SetPopulationStatistics(mean, variance, 1000);
        float[] x = LayerPair.Values(random, shape.ElementCount, -2, 3);

        float[] cpu = new float[x.Length];
        pair.Cpu.Infer(x, shape, cpu, NormalizationStatistics.Population, fuseRelu: true);
        float[] gpu = RunInference(pair.Gpu, x, shape, NormalizationStatistics.Population, relu: true);

        Comparison.Close(cpu, gpu, "population inference");
    }

    [CudaFact]
    public void OneValuePerChannelThrowsAsOnTheCpuAndChangesNothing()
    {
        TensorShape shape = TensorShape.Features(1, 4);
        using var pair = new LayerPair(4, new BatchNormOptions(), seed: 16);
        CudaDevice device = CudaAvailability.Device;
        using CudaMemory<float> x = device.AllocateFloats(4);
        using CudaMemory<float> y = device.AllocateFloats(4);
        x.Upload([1, 2, 3, 4]);

        Assert.Throws<ArgumentException>(() => pair.Cpu.Forward(new float[4], shape, new float[4], BatchNormMode.Training));
        Assert.Throws<ArgumentException>(() => pair.Gpu.Forward(x, shape, y, BatchNormMode.Training));

        pair.AssertSameState("after the rejected batch");
    }

    [CudaFact]
    public void BuffersOfTheWrongLengthAreRejectedByNameAndChangeNothing()
    {
        TensorShape shape = TensorShape.Features(8, 4);
        using var pair = new LayerPair(4, new BatchNormOptions(), seed: 17);
        CudaDevice device = CudaAvailability.Device;
        using CudaMemory<float> x = device.AllocateFloats(32);
        using CudaMemory<float> shortY = device.AllocateFloats(31);
        x.Upload(LayerPair.Values(new Random(18), 32, -1, 1));

        var error = Assert.Throws<ArgumentException>(() => pair.Gpu.Forward(x, shape, shortY, BatchNormMode.Training));

        Assert.Equal("y", error.ParamName);
        Assert.Contains("31", error.Message);
        Assert.Contains("32", error.Message);
        pair.AssertSameState("after the rejected call");
        var upload = Assert.Throws<ArgumentException>(() => x.Upload(new float[5]));
        Assert.Equal("source", upload.ParamName);
    }

    [CudaFact]
    public void DriverErrorsCarryTheDriversOwnMessage()
    {
        var error = Assert.Throws<CudaException>(() => CudaDriver.Check(1, "cuTest"));

        Assert.Equal(1, error.Status);
        Assert.Contains("cuTest", error.Message);
        Assert.Contains("invalid argument", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    private static TensorShape ShapeOf(TensorLayout layout, int batch, int channels) => layout switch
    {
        TensorLayout.NC => TensorShape.Features(batch, channels),
        TensorLayout.NCHW => TensorShape.ChannelsFirst(batch, channels, 2, 3),
        _ => TensorShape.ChannelsLast(batch, 2, 3, channels),
    };

    private static float[] RunInference(CudaBatchNorm layer, float[] x, TensorShape shape, NormalizationStatistics statistics, bool relu)
    {
        CudaDevice device = CudaAvailability.Device;
        using CudaMemory<float> dx = device.AllocateFloats(x.Length);
        using CudaMemory<float> dyOut = device.AllocateFloats(x.Length);
        dx.Upload(x);
        layer.Infer(dx, shape, dyOut, statistics, relu);
        float[] result = new float[x.Length];
        dyOut.Download(result);
        return result;
    }

    /// <summary>One forward pass in <paramref name="mode"/> and its backward pass, on both engines.</summary>
    private static (float[] CpuY, float[] GpuY, float[] CpuDx, float[] GpuDx) TrainingStep(
        LayerPair pair, float[] x, float[] dy, TensorShape shape, BatchNormMode mode)
    {
        float[] cpuY = new float[x.Length], cpuDx = new float[x.Length];
        BatchNormForwardResult cpuResult = pair.Cpu.Forward(x, shape, cpuY, mode);
        pair.Cpu.Backward(x, dy, shape, cpuDx);

        CudaDevice device = CudaAvailability.Device;
        using CudaMemory<float> gx = device.AllocateFloats(x.Length);
        using CudaMemory<float> gy = device.AllocateFloats(x.Length);
        using CudaMemory<float> gdy = device.AllocateFloats(x.Length);
        using CudaMemory<float> gdx = device.AllocateFloats(x.Length);
        gx.Upload(x);
        gdy.Upload(dy);
        BatchNormForwardResult gpuResult = pair.Gpu.Forward(gx, shape, gy, mode);
        pair.Gpu.Backward(gx, gdy, shape, gdx);
        Assert.Equal(cpuResult, gpuResult);

        float[] gpuY = new float[x.Length], gpuDx = new float[x.Length];
        gy.Download(gpuY);
        gdx.Download(gpuDx);
        return (cpuY, gpuY, cpuDx, gpuDx);
    }
}
