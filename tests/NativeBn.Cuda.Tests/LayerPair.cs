using NativeBn.Normalization;

namespace NativeBn.Cuda.Tests;

/// <summary>Two layers in the same state: one run by the CPU engine, one by <see cref="CudaBatchNorm"/>.</summary>
internal sealed class LayerPair : IDisposable
{
    public LayerPair(int channels, BatchNormOptions options, int seed)
    {
        Cpu = new BatchNorm(channels, options);
        var host = new BatchNorm(channels, options);
        var random = new Random(seed);
        float[] gamma = Values(random, channels, 0.5, 1.5);
        float[] beta = Values(random, channels, -1, 1);
        double[] mean = Array.ConvertAll(Values(random, channels, -2, 2), v => (double)v);
        double[] variance = Array.ConvertAll(Values(random, channels, 0.25, 4), v => (double)v);
        foreach (BatchNorm layer in new[] { Cpu, host })
        {
            layer.SetParameters(gamma, beta);
            layer.SetRunningStatistics(mean, variance, batchesTracked: 3);
        }

        Gpu = new CudaBatchNorm(CudaAvailability.Device, host);
    }

    public BatchNorm Cpu { get; }

    public CudaBatchNorm Gpu { get; }

    /// <summary>Values uniform in [low, high), offset per channel so that channels differ in mean.</summary>
    public static float[] Values(Random random, long length, double low, double high)
    {
        var values = new float[length];
        for (long i = 0; i < length; i++)
        {
            values[i] = (float)(low + (high - low) * random.NextDouble());
        }

        return values;
    }

    /// <summary>Compares everything the host layers hold: parameters, gradients, running statistics.</summary>
    public void AssertSameState(string what)
    {
        BatchNorm host = Gpu.Layer;
        Comparison.Close(Cpu.GammaGradient, host.GammaGradient, $"{what}: gamma gradient");
        Comparison.Close(Cpu.BetaGradient, host.BetaGradient, $"{what}: beta gradient");
        Cpu.GetStatistics(NormalizationStatistics.Running, out ReadOnlySpan<double> cpuMean, out ReadOnlySpan<double> cpuVariance);
        host.GetStatistics(NormalizationStatistics.Running, out ReadOnlySpan<double> gpuMean, out ReadOnlySpan<double> gpuVariance);
        Comparison.Close(cpuMean, gpuMean, $"{what}: running mean");
        Comparison.Close(cpuVariance, gpuVariance, $"{what}: running variance");
        Assert.Equal(Cpu.BatchesTracked, host.BatchesTracked);
    }

    public void Dispose() => Gpu.Dispose();
}
