using System.Runtime.Intrinsics.X86;

namespace NativeBn.Kernels;

/// <summary>
/// Cache hints for memory a kernel is about to touch. A hint changes no value and never faults; where the instruction
/// set has no prefetch instruction (or hardware intrinsics are off) it does nothing.
/// </summary>
internal static unsafe class Prefetch
{
    /// <summary>Floats per 64-byte cache line.</summary>
    private const int LineFloats = 16;

    /// <summary>
    /// Asks for every cache line of the <paramref name="length"/> floats at <paramref name="start"/> to be brought into
    /// all cache levels (PREFETCHT0 on x86): a destination that is written soon after then takes its stores in cache
    /// rather than waiting for each line to be read from memory first.
    /// </summary>
    public static void Lines(float* start, nint length)
    {
        if (!Sse.IsSupported || length <= 0)
        {
            return;
        }

        for (nint i = 0; i < length; i += LineFloats)
        {
            Sse.Prefetch0(start + i);
        }

        Sse.Prefetch0(start + length - 1);
    }
}
