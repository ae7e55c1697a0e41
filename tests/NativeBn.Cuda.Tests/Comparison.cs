namespace NativeBn.Cuda.Tests;

/// <summary>Compares a device result with the CPU engine's: max-norm relative error <c>‖gpu − cpu‖∞ / ‖cpu‖∞</c>.</summary>
internal static class Comparison
{
    public const double Tolerance = 1e-5;

    public static void Close(ReadOnlySpan<float> cpu, ReadOnlySpan<float> gpu, string what)
    {
        Assert.Equal(cpu.Length, gpu.Length);
        double scale = 0, error = 0;
        int worst = 0;
        for (int i = 0; i < cpu.Length; i++)
        {
            scale = Math.Max(scale, Math.Abs((double)cpu[i]));
            double e = Math.Abs((double)gpu[i] - cpu[i]);
            if (!(e <= error))
            {
                error = e;
                worst = i;
            }
        }

        Check(error, scale, what, worst, cpu.IsEmpty ? 0 : cpu[worst], gpu.IsEmpty ? 0 : gpu[worst]);
    }

    public static void Close(ReadOnlySpan<double> cpu, ReadOnlySpan<double> gpu, string what)
    {
        Assert.Equal(cpu.Length, gpu.Length);
        double scale = 0, error = 0;
        int worst = 0;
        for (int i = 0; i < cpu.Length; i++)
        {
            scale = Math.Max(scale, Math.Abs(cpu[i]));
            double e = Math.Abs(gpu[i] - cpu[i]);
            if (!(e <= error))
            {
                error = e;
                worst = i;
            }
        }

        Check(error, scale, what, worst, cpu.IsEmpty ? 0 : cpu[worst], gpu.IsEmpty ? 0 : gpu[worst]);
    }

    private static void Check(double error, double scale, string what, int index, double cpu, double gpu)
    {
        double relative = scale == 0 ? error : error / scale;
        if (!(relative <= Tolerance))
        {
            Assert.Fail($"{what}: relative error {relative:E3} > {Tolerance:E0} (worst at [{index}]: CPU {cpu:R}, CUDA {gpu:R})");
        }
    }
}
