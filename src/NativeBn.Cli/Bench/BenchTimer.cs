using System.Diagnostics;

namespace NativeBn.Cli.Bench;

/// <summary>
/// The timing harness of <c>nativebn bench</c>. Before each measurement it runs a blocking, compacting collection, so
/// that no background collection left by an earlier case (whose buffers became garbage) runs on a core while this one
/// is timed. It then warms the operation up (caches, the worker threads, branch predictors; the CLI compiles every
/// method fully optimized on its first call), sizes batches of calls to about <c>batchMilliseconds</c>, and reports
/// the fastest, median and slowest batch, as nanoseconds per call. Medians resist the noise of shared machines; min and
/// max show the spread.
/// </summary>
internal static class BenchTimer
{
    public static BenchTiming Measure(Action operation, int batches = 11, double batchMilliseconds = 10, double warmupMilliseconds = 200)
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        var watch = Stopwatch.StartNew();
        int warmupCalls = 0;
        do
        {
            operation();
            warmupCalls++;
        }
        while (watch.Elapsed.TotalMilliseconds < warmupMilliseconds || warmupCalls < 2);

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
        return new BenchTiming(samples[0], samples[batches / 2], samples[^1]);
    }
}
