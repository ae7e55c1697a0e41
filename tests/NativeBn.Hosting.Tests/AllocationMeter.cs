namespace NativeBn.Hosting.Tests;

/// <summary>
/// Bytes allocated on the calling thread by repeated calls, after one warm-up run: the smallest of three attempts, since
/// the runtime may allocate a few bytes on a test thread for its own bookkeeping; code that allocates per call
/// allocates in every attempt.
/// </summary>
internal static class AllocationMeter
{
    public static long Measure(Action calls)
    {
        calls();
        long smallest = long.MaxValue;
        for (int attempt = 0; attempt < 3 && smallest != 0; attempt++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            calls();
            smallest = Math.Min(smallest, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        return smallest;
    }
}
