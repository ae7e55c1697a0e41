using System.Numerics;
using System.Runtime.CompilerServices;

namespace NativeBn.Kernels;

/// <summary>
/// The order in which an element-wise pass over channels-last rows visits a row's vectors. A load whose address
/// matches a recent store's in the low 12 bits waits for that store (4K aliasing), and rows of C floats are <c>4·C</c>
/// bytes apart, so the input and output lines of consecutive rows repeat every <c>P = gcd(4096, 4·C)</c> bytes of those
/// low bits. When the output's offset from the input, modulo P, is in (0, P/2], the vectors stored just before (first
/// to last) sit where the next ones are loaded from; visited last to first, the stores sit behind the loads instead.
/// Periods under a cache line spread the rows over every line, and no order is better: first to last. Either order
/// computes every value the same way, so results do not depend on it. With 1024 channels and the output 64-512 bytes
/// after the input modulo 4096, a [32, 1024] tensor in tiles of four rows took 1.4-2x as long first to last. Rows streamed
/// one by one (larger tensors, out of L2) lose 7-13 % at those placements, but last to first loses as much elsewhere, so
/// they run first to last.
/// </summary>
internal static class BlockOrder
{
    /// <summary>
    /// Whether rows of <paramref name="channels"/> floats read from <paramref name="input"/> and written to
    /// <paramref name="output"/> are best visited last to first.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe bool Descending(ref float input, ref float output, int channels)
    {
        nint period = (nint)1 << Math.Min(12, BitOperations.TrailingZeroCount(channels) + 2);
        if (period < 64)
        {
            return false;
        }

        nint offset = ((nint)Unsafe.AsPointer(ref output) - (nint)Unsafe.AsPointer(ref input)) & (period - 1);
        return offset != 0 && offset <= period / 2;
    }
}
