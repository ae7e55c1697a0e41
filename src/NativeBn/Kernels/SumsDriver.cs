using System.Runtime.CompilerServices;

namespace NativeBn.Kernels;

/// <summary>
/// Loops of the per-channel reductions for one SIMD width. Values are widened to double before any
/// arithmetic. Runs must hold at least <c>TS.Count</c> values. Each lane accumulates its own values in
/// storage order, so results depend only on the width, never on how the caller splits work into chunks
/// of whole rows or planes.
/// </summary>
internal static class SumsDriver
{
    /// <summary>
    /// Rows visited per block before moving to the next block of channels, for operators that read one input; those
    /// that read two visit half as many. Rows of a power-of-two width fall into the same sets of the L1 cache, which has
    /// 12 ways on the CPUs this was tuned on: 8 rows of one input fit, 8 rows of two inputs (16 lines) thrash it.
    /// </summary>
    public const int RowTile = 8;

    /// <summary>
    /// Channels-last: per-channel sums over <paramref name="rows"/> rows of <c>TWidth.Resolve(channels)</c> values, written
    /// (not added) to <paramref name="a"/> and <paramref name="b"/>. Rows are taken in tiles of <see cref="RowTile"/> (half
    /// as many for two inputs);
    /// within a tile each block of channels adds the tile's rows to its sums (kept in <paramref name="a"/> and
    /// <paramref name="b"/> between tiles), so long column walks, whose large power-of-two strides defeat the cache,
    /// never happen. A last block that overlaps the previous one keeps its sums in registers for the whole run and
    /// stores them at the end; its lanes repeat the previous block's arithmetic exactly, so the values agree. Every
    /// lane adds its rows in order, so results do not depend on the tiling.
    /// </summary>
    public static void Rows<TOp, TS, TF, TD, TWidth>(
        ref float u, ref float v, nint rows, int channels, ref double p, ref double a, ref double b)
        where TOp : IChannelSumsOperator
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct
        where TWidth : IChannelWidth
    {
        channels = TWidth.Resolve(channels);
        nint count = TS.Count;
        nint full = channels - channels % count;
        nint last = channels - count;
        bool overlapping = full != channels;
        TS.LoadDoubles(ref p, last, out TD tailPLower, out TD tailPUpper);
        TD tailALower = TS.ZeroDouble, tailAUpper = TS.ZeroDouble, tailBLower = TS.ZeroDouble, tailBUpper = TS.ZeroDouble;
        nint tile = TOp.ReadsSecondInput ? RowTile / 2 : RowTile;
        for (nint first = 0; first < rows; first += tile)
        {
            nint end = Math.Min(rows, first + tile);
            for (nint c = 0; c < full; c += count)
            {
                TS.LoadDoubles(ref p, c, out TD pLower, out TD pUpper);
                TD aLower = TS.ZeroDouble, aUpper = TS.ZeroDouble, bLower = TS.ZeroDouble, bUpper = TS.ZeroDouble;
                if (first > 0)
                {
                    TS.LoadDoubles(ref a, c, out aLower, out aUpper);
                    TS.LoadDoubles(ref b, c, out bLower, out bUpper);
                }

                for (nint r = first; r < end; r++)
                {
                    Accumulate<TOp, TS, TF, TD>(ref u, ref v, r * channels + c, pLower, pUpper,
                        ref aLower, ref aUpper, ref bLower, ref bUpper);
                }

                TS.StoreDoubles(aLower, aUpper, ref a, c);
                TS.StoreDoubles(bLower, bUpper, ref b, c);
            }

            if (overlapping)
            {
                for (nint r = first; r < end; r++)
                {
                    Accumulate<TOp, TS, TF, TD>(ref u, ref v, r * channels + last, tailPLower, tailPUpper,
                        ref tailALower, ref tailAUpper, ref tailBLower, ref tailBUpper);
                }
            }
        }

        if (overlapping)
        {
            TS.StoreDoubles(tailALower, tailAUpper, ref a, last);
            TS.StoreDoubles(tailBLower, tailBUpper, ref b, last);
        }
    }

    /// <summary>
    /// Channels-first: the sums over the planes of channel <paramref name="channel"/> for samples
    /// [<paramref name="firstSample"/>, <paramref name="endSample"/>). A plane whose length is not a multiple
    /// of the width ends with one overlapping vector whose already-counted lanes are dropped.
    /// </summary>
    public static void Planes<TOp, TS, TF, TD>(
        ref float u, ref float v, nint firstSample, nint endSample, int channels, int spatial, int channel,
        double p, out double a, out double b)
        where TOp : IChannelSumsOperator
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct
    {
        nint count = TS.Count;
        int remainder = (int)(spatial % count);
        nint full = spatial - remainder;
        int skipped = remainder == 0 ? 0 : (int)count - remainder;
        TD shift = TS.BroadcastDouble(p);
        TD aLower = TS.ZeroDouble, aUpper = TS.ZeroDouble, bLower = TS.ZeroDouble, bUpper = TS.ZeroDouble;
        for (nint n = firstSample; n < endSample; n++)
        {
            nint plane = (n * channels + channel) * spatial;
            for (nint i = 0; i < full; i += count)
            {
                Accumulate<TOp, TS, TF, TD>(ref u, ref v, plane + i, shift, shift, ref aLower, ref aUpper, ref bLower, ref bUpper);
            }

            if (skipped != 0)
            {
                TD tailALower = TS.ZeroDouble, tailAUpper = TS.ZeroDouble, tailBLower = TS.ZeroDouble, tailBUpper = TS.ZeroDouble;
                Accumulate<TOp, TS, TF, TD>(ref u, ref v, plane + spatial - count, shift, shift,
                    ref tailALower, ref tailAUpper, ref tailBLower, ref tailBUpper);
                TS.ZeroLeadingLanes(ref tailALower, ref tailAUpper, skipped);
                TS.ZeroLeadingLanes(ref tailBLower, ref tailBUpper, skipped);
                aLower = TS.Add(aLower, tailALower);
                aUpper = TS.Add(aUpper, tailAUpper);
                bLower = TS.Add(bLower, tailBLower);
                bUpper = TS.Add(bUpper, tailBUpper);
            }
        }

        a = TS.HasUpperHalf ? TS.Sum(aLower) + TS.Sum(aUpper) : TS.Sum(aLower);
        b = TS.HasUpperHalf ? TS.Sum(bLower) + TS.Sum(bUpper) : TS.Sum(bLower);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Accumulate<TOp, TS, TF, TD>(
        ref float u, ref float v, nint at, TD pLower, TD pUpper, ref TD aLower, ref TD aUpper, ref TD bLower, ref TD bUpper)
        where TOp : IChannelSumsOperator
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct
    {
        TS.LoadWidened(ref u, at, out TD uLower, out TD uUpper);
        TD vLower = uLower, vUpper = uUpper;
        if (TOp.ReadsSecondInput)
        {
            TS.LoadWidened(ref v, at, out vLower, out vUpper);
        }

        TOp.Accumulate<TS, TF, TD>(uLower, vLower, pLower, ref aLower, ref bLower);
        if (TS.HasUpperHalf)
        {
            TOp.Accumulate<TS, TF, TD>(uUpper, vUpper, pUpper, ref aUpper, ref bUpper);
        }
    }
}
