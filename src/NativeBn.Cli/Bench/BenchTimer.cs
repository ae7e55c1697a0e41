using System.Diagnostics;

namespace NativeBn.Cli.Bench;

/// <summary>
/// A small timing harness for <c>nativebn bench</c>: warms an operation up long enough for the JIT to replace its
/// first, unoptimized code (tiered compilation promotes methods after about 100 ms of calls), sizes batches of calls
/// to about 10 ms, and returns the median time per call over several batches (medians resist the noise of shared
/// machines).
/// </summary>
internal static class BenchTimer
{
    public static double MedianNanoseconds(Action operation, int batches = 11, double batchMilliseconds = 10, double warmupMilliseconds = 300)
    {
        var watch = Stopwatch.StartNew();
        do
        {
            operation();
        }
        while (watch.Elapsed.TotalMilliseconds < warmupMilliseconds);

        long calls = 1;
        while (true)
        {
            watch.Restart();
            for (long i = 0; i < calls; i++)
            {
                operation();
            }

            if (watch.Elapsed.TotalMilliseconds >= batchMilliseconds / 4 || calls >= 1 << 24)
            {
                break;
            }

            calls *= 2;
        }

        calls = Math.Max(1, (long)(calls * batchMilliseconds / Math.Max(1e-3, watch.Elapsed.TotalMilliseconds)));
        var samples = new double[batches];
        for (int b = 0; b < batches; b++)
        {
            watch.Restart();
            for (long i = 0; i < calls; i++)
            {
                operation();
            }

            samples[b] = watch.Elapsed.TotalNanoseconds / calls;
        }

        Array.Sort(samples);
        return samples[batches / 2];
    }
}
