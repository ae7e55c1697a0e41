using System.Runtime.CompilerServices;

namespace NativeBn.Kernels;

/// <summary>
/// Loops of the element-wise operators for one SIMD width. Each contiguous run (a channels-last row, or a
/// channels-first plane) is covered by full vectors plus one last vector that ends exactly at the run's end
/// and may overlap the one before it. The last vector is computed before any store, so results are right
/// when <c>y</c> is the same buffer as <c>u</c> or <c>v</c>. Runs must hold at least <c>TS.Count</c> values.
/// </summary>
internal static class MapDriver
{
    /// <summary>Rows a tile of <see cref="Tiled"/> shares each parameter load with.</summary>
    public const int RowTile = 4;

    /// <summary>
    /// Channels-last: <paramref name="rows"/> rows of <c>TWidth.Resolve(channels)</c> values; parameters are
    /// loaded per channel from <c>p0..p3</c>. Fewer rows than a tile run inlined into the caller, so one sample costs
    /// no call; more go to <see cref="Tiled"/>, which loads each block of parameters once for a tile of
    /// <see cref="RowTile"/> rows (so wide parameter sets do not saturate the load ports).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Rows<TOp, TS, TF, TD, TWidth>(
        ref float u, ref float v, ref float y, nint rows, int channels,
        ref float p0, ref float p1, ref float p2, ref float p3)
        where TOp : IChannelMapOperator
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct
        where TWidth : IChannelWidth
    {
        if (rows >= RowTile)
        {
            Tiled<TOp, TS, TF, TD, TWidth>(ref u, ref v, ref y, rows, channels, ref p0, ref p1, ref p2, ref p3);
            return;
        }

        channels = TWidth.Resolve(channels);
        for (nint r = 0; r < rows; r++)
        {
            Row<TOp, TS, TF, TD>(ref u, ref v, ref y, r * channels, channels, ref p0, ref p1, ref p2, ref p3);
        }
    }

    /// <summary>
    /// One row at <paramref name="row"/>. When the row is not a whole number of vectors, its last vector overlaps the
    /// one before it and is computed before any store.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Row<TOp, TS, TF, TD>(
        ref float u, ref float v, ref float y, nint row, nint channels, ref float p0, ref float p1, ref float p2, ref float p3)
        where TOp : IChannelMapOperator
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct
    {
        nint count = TS.Count;
        if (channels % count == 0)
        {
            for (nint c = 0; c < channels; c += count)
            {
                TS.Store(Apply<TOp, TS, TF, TD>(ref u, ref v, row + c, ref p0, ref p1, ref p2, ref p3, c), ref y, row + c);
            }

            return;
        }

        nint last = channels - count;
        TF tail = Apply<TOp, TS, TF, TD>(ref u, ref v, row + last, ref p0, ref p1, ref p2, ref p3, last);
        for (nint c = 0; c < last; c += count)
        {
            TS.Store(Apply<TOp, TS, TF, TD>(ref u, ref v, row + c, ref p0, ref p1, ref p2, ref p3, c), ref y, row + c);
        }

        TS.Store(tail, ref y, row + last);
    }

    /// <summary>
    /// Rows in tiles of <see cref="RowTile"/>: each block of parameters is loaded once for the tile's rows, a block's
    /// rows are all computed before any of them is stored, and the last vectors of the tile's rows are computed before
    /// any of its stores; the remaining rows one by one. Blocks are visited in the order <see cref="BlockOrder.Descending"/> picks.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Tiled<TOp, TS, TF, TD, TWidth>(
        ref float u, ref float v, ref float y, nint rows, int channels,
        ref float p0, ref float p1, ref float p2, ref float p3)
        where TOp : IChannelMapOperator
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct
        where TWidth : IChannelWidth
    {
        channels = TWidth.Resolve(channels);
        nint count = TS.Count;
        nint last = channels - count;
        bool descending = BlockOrder.Descending(ref u, ref y, channels);
        nint r = 0;
        for (; r + RowTile <= rows; r += RowTile)
        {
            nint row0 = r * channels;
            TF q0 = LoadParameter<TOp, TS, TF, TD>(ref p0, 0, last), q1 = LoadParameter<TOp, TS, TF, TD>(ref p1, 1, last);
            TF q2 = LoadParameter<TOp, TS, TF, TD>(ref p2, 2, last), q3 = LoadParameter<TOp, TS, TF, TD>(ref p3, 3, last);
            TF tail0 = Apply<TOp, TS, TF, TD>(ref u, ref v, row0 + last, q0, q1, q2, q3);
            TF tail1 = Apply<TOp, TS, TF, TD>(ref u, ref v, row0 + channels + last, q0, q1, q2, q3);
            TF tail2 = Apply<TOp, TS, TF, TD>(ref u, ref v, row0 + 2 * channels + last, q0, q1, q2, q3);
            TF tail3 = Apply<TOp, TS, TF, TD>(ref u, ref v, row0 + 3 * channels + last, q0, q1, q2, q3);
            if (descending)
            {
                for (nint c = (last + count - 1) / count * count - count; c >= 0; c -= count)
                {
                    TileBlock<TOp, TS, TF, TD>(ref u, ref v, ref y, row0, channels, c, ref p0, ref p1, ref p2, ref p3);
                }
            }
            else
            {
                for (nint c = 0; c < last; c += count)
                {
                    TileBlock<TOp, TS, TF, TD>(ref u, ref v, ref y, row0, channels, c, ref p0, ref p1, ref p2, ref p3);
                }
            }

            TS.Store(tail0, ref y, row0 + last);
            TS.Store(tail1, ref y, row0 + channels + last);
            TS.Store(tail2, ref y, row0 + 2 * channels + last);
            TS.Store(tail3, ref y, row0 + 3 * channels + last);
        }

        for (; r < rows; r++)
        {
            Row<TOp, TS, TF, TD>(ref u, ref v, ref y, r * channels, channels, ref p0, ref p1, ref p2, ref p3);
        }
    }

    /// <summary>The tile's four rows of the block at <paramref name="c"/>: all four computed, then stored.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TileBlock<TOp, TS, TF, TD>(
        ref float u, ref float v, ref float y, nint row0, nint channels, nint c,
        ref float p0, ref float p1, ref float p2, ref float p3)
        where TOp : IChannelMapOperator
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct
    {
        TF q0 = LoadParameter<TOp, TS, TF, TD>(ref p0, 0, c);
        TF q1 = LoadParameter<TOp, TS, TF, TD>(ref p1, 1, c);
        TF q2 = LoadParameter<TOp, TS, TF, TD>(ref p2, 2, c);
        TF q3 = LoadParameter<TOp, TS, TF, TD>(ref p3, 3, c);
        TF a = Apply<TOp, TS, TF, TD>(ref u, ref v, row0 + c, q0, q1, q2, q3);
        TF b = Apply<TOp, TS, TF, TD>(ref u, ref v, row0 + channels + c, q0, q1, q2, q3);
        TF d = Apply<TOp, TS, TF, TD>(ref u, ref v, row0 + 2 * channels + c, q0, q1, q2, q3);
        TF e = Apply<TOp, TS, TF, TD>(ref u, ref v, row0 + 3 * channels + c, q0, q1, q2, q3);
        TS.Store(a, ref y, row0 + c);
        TS.Store(b, ref y, row0 + channels + c);
        TS.Store(d, ref y, row0 + 2 * channels + c);
        TS.Store(e, ref y, row0 + 3 * channels + c);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TF Apply<TOp, TS, TF, TD>(ref float u, ref float v, nint at, TF p0, TF p1, TF p2, TF p3)
        where TOp : IChannelMapOperator
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct
    {
        TF first = TS.Load(ref u, at);
        TF second = TOp.ReadsSecondInput ? TS.Load(ref v, at) : first;
        return TOp.Invoke<TS, TF, TD>(first, second, p0, p1, p2, p3);
    }

    /// <summary>The operator at <paramref name="at"/> with the parameters of channel <paramref name="channel"/> loaded.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TF Apply<TOp, TS, TF, TD>(
        ref float u, ref float v, nint at, ref float p0, ref float p1, ref float p2, ref float p3, nint channel)
        where TOp : IChannelMapOperator
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct =>
        Apply<TOp, TS, TF, TD>(ref u, ref v, at,
            LoadParameter<TOp, TS, TF, TD>(ref p0, 0, channel), LoadParameter<TOp, TS, TF, TD>(ref p1, 1, channel),
            LoadParameter<TOp, TS, TF, TD>(ref p2, 2, channel), LoadParameter<TOp, TS, TF, TD>(ref p3, 3, channel));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TF LoadParameter<TOp, TS, TF, TD>(ref float parameter, int index, nint channel)
        where TOp : IChannelMapOperator
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct => index < TOp.ParameterCount ? TS.Load(ref parameter, channel) : TS.Zero;
}
