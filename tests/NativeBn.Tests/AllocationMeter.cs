namespace NativeBn.Tests;

/// <summary>
/// Bytes allocated on the calling thread (or, with <see cref="MeasureProcess"/>, on every thread) by repeated calls. The runtime occasionally allocates a few hundred
/// bytes on a test thread for its own bookkeeping while other tests run in parallel, so the measurement is
/// repeated and the smallest of three attempts is returned: code that allocates per call allocates in every
/// attempt and cannot hide behind the minimum.
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

    /// <summary>
    /// Bytes allocated by every thread of the process while the calls run (worker threads included), smallest of three
    /// attempts after a warm-up. Only meaningful in a test that runs alone (see <c>SerialCollection</c>).
    /// </summary>
    public static long MeasureProcess(Action calls)
    {
        calls();
        long smallest = long.MaxValue;
        for (int attempt = 0; attempt < 3 && smallest != 0; attempt++)
        {
            long before = GC.GetTotalAllocatedBytes(precise: true);
            calls();
            smallest = Math.Min(smallest, GC.GetTotalAllocatedBytes(precise: true) - before);
        }

        return smallest;
    }
}
