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
    /// <summary>
    /// Channels-last: <paramref name="rows"/> rows of <paramref name="channels"/> values; parameters are
    /// loaded per channel from <c>p0..p3</c>.
    /// </summary>
    public static void Rows<TOp, TS, TF, TD>(
        ref float u, ref float v, ref float y, nint rows, int channels,
        ref float p0, ref float p1, ref float p2, ref float p3)
        where TOp : IChannelMapOperator
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct
    {
        nint count = TS.Count;
        nint last = channels - count;
        for (nint r = 0; r < rows; r++)
        {
            nint row = r * channels;
            TF tail = Apply<TOp, TS, TF, TD>(ref u, ref v, row + last,
                LoadParameter<TOp, TS, TF, TD>(ref p0, 0, last), LoadParameter<TOp, TS, TF, TD>(ref p1, 1, last),
                LoadParameter<TOp, TS, TF, TD>(ref p2, 2, last), LoadParameter<TOp, TS, TF, TD>(ref p3, 3, last));
            for (nint c = 0; c < last; c += count)
            {
                TF result = Apply<TOp, TS, TF, TD>(ref u, ref v, row + c,
                    LoadParameter<TOp, TS, TF, TD>(ref p0, 0, c), LoadParameter<TOp, TS, TF, TD>(ref p1, 1, c),
                    LoadParameter<TOp, TS, TF, TD>(ref p2, 2, c), LoadParameter<TOp, TS, TF, TD>(ref p3, 3, c));
                TS.Store(result, ref y, row + c);
            }

            TS.Store(tail, ref y, row + last);
        }
    }

    /// <summary>
    /// Channels-first: the planes of channel <paramref name="channel"/> for samples
    /// [<paramref name="firstSample"/>, <paramref name="endSample"/>), each <paramref name="spatial"/> values
    /// long; the channel's parameters <c>p0..p3[channel]</c> are broadcast.
    /// </summary>
    public static void Planes<TOp, TS, TF, TD>(
        ref float u, ref float v, ref float y, nint firstSample, nint endSample, int channels, int spatial, int channel,
        ref float p0, ref float p1, ref float p2, ref float p3)
        where TOp : IChannelMapOperator
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct
    {
        nint count = TS.Count;
        nint last = spatial - count;
        TF q0 = BroadcastParameter<TOp, TS, TF, TD>(ref p0, 0, channel);
        TF q1 = BroadcastParameter<TOp, TS, TF, TD>(ref p1, 1, channel);
        TF q2 = BroadcastParameter<TOp, TS, TF, TD>(ref p2, 2, channel);
        TF q3 = BroadcastParameter<TOp, TS, TF, TD>(ref p3, 3, channel);
        for (nint n = firstSample; n < endSample; n++)
        {
            nint plane = (n * channels + channel) * spatial;
            TF tail = Apply<TOp, TS, TF, TD>(ref u, ref v, plane + last, q0, q1, q2, q3);
            for (nint i = 0; i < last; i += count)
            {
                TS.Store(Apply<TOp, TS, TF, TD>(ref u, ref v, plane + i, q0, q1, q2, q3), ref y, plane + i);
            }

            TS.Store(tail, ref y, plane + last);
        }
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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TF LoadParameter<TOp, TS, TF, TD>(ref float parameter, int index, nint channel)
        where TOp : IChannelMapOperator
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct => index < TOp.ParameterCount ? TS.Load(ref parameter, channel) : TS.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TF BroadcastParameter<TOp, TS, TF, TD>(ref float parameter, int index, int channel)
        where TOp : IChannelMapOperator
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct => index < TOp.ParameterCount ? TS.Broadcast(Unsafe.Add(ref parameter, channel)) : TS.Zero;
}
