using System.Runtime.CompilerServices;

namespace NativeBn.Kernels;

/// <summary>
/// Loops of the element-wise operators for tensors larger than a chunk: each contiguous run (a channels-last row, or a
/// channels-first plane) is swept once from start to end, four vectors at a time, so the memory system sees one
/// sequential stream per operand. With <c>streaming</c>, full vectors of the output are written with non-temporal
/// stores (past the caches, without reading the destination first); the values before the first aligned address and
/// after the last whole aligned vector are stored one float at a time. Streaming needs an output that overlaps no input and is pinned;
/// without it, the last vector of a run is computed before any store, so <c>y</c> may be <c>u</c> or <c>v</c>.
/// Runs must hold at least <c>TS.Count</c> values. Every value is computed by the same operator as
/// <see cref="MapDriver"/> computes it, so results are identical.
/// </summary>
internal static class StreamDriver
{
    private const int Unroll = 4;

    /// <summary>Channels-last: <paramref name="rows"/> rows of <paramref name="channels"/> values; parameters per channel.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Rows<TOp, TS, TF, TD>(
        ref float u, ref float v, ref float y, nint rows, int channels, ref float p0, ref float p1, ref float p2, ref float p3, bool streaming)
        where TOp : IChannelMapOperator
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct
    {
        var parameters = new Parameters<TOp, TS, TF, TD, PerChannel>(ref p0, ref p1, ref p2, ref p3);
        for (nint r = 0; r < rows; r++)
        {
            Run<TOp, TS, TF, TD, PerChannel>(ref u, ref v, ref y, r * channels, channels, ref parameters, streaming);
        }
    }

    /// <summary>
    /// Channels-first: the planes of channel <paramref name="channel"/> for samples [<paramref name="firstSample"/>,
    /// <paramref name="endSample"/>), each <paramref name="spatial"/> values; the channel's parameters are broadcast.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Planes<TOp, TS, TF, TD>(
        ref float u, ref float v, ref float y, nint firstSample, nint endSample, int channels, int spatial, int channel,
        ref float p0, ref float p1, ref float p2, ref float p3, bool streaming)
        where TOp : IChannelMapOperator
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct
    {
        var parameters = new Parameters<TOp, TS, TF, TD, PerPlane>(
            Broadcast<TOp, TS, TF, TD>(ref p0, 0, channel), Broadcast<TOp, TS, TF, TD>(ref p1, 1, channel),
            Broadcast<TOp, TS, TF, TD>(ref p2, 2, channel), Broadcast<TOp, TS, TF, TD>(ref p3, 3, channel));
        for (nint n = firstSample; n < endSample; n++)
        {
            Run<TOp, TS, TF, TD, PerPlane>(ref u, ref v, ref y, (n * channels + channel) * spatial, spatial, ref parameters, streaming);
        }
    }

    /// <summary>Floats from <paramref name="at"/> to the first address aligned to a whole vector (0 when it is aligned).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe nint ToAligned<TS, TF, TD>(ref float y, nint at)
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct
    {
        nint bytes = TS.Count * sizeof(float);
        nint address = (nint)Unsafe.AsPointer(ref Unsafe.Add(ref y, at));
        return (bytes - (address & (bytes - 1))) % bytes / sizeof(float);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Run<TOp, TS, TF, TD, TMode>(
        ref float u, ref float v, ref float y, nint at, nint length, ref Parameters<TOp, TS, TF, TD, TMode> p, bool streaming)
        where TOp : IChannelMapOperator
        where TMode : struct, IParameterMode
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct
    {
        nint count = TS.Count;
        nint last = length - count;
        TF tail = p.Apply(ref u, ref v, at, last);
        nint i = 0;
        if (streaming)
        {
            i = Math.Min(ToAligned<TS, TF, TD>(ref y, at), length);
            if (i != 0)
            {
                StoreLanes<TS, TF, TD>(p.Apply(ref u, ref v, at, 0), ref y, at, 0, i);
            }

            for (; i + Unroll * count <= length; i += Unroll * count)
            {
                TS.StoreStreaming(p.Apply(ref u, ref v, at, i), ref y, at + i);
                TS.StoreStreaming(p.Apply(ref u, ref v, at, i + count), ref y, at + i + count);
                TS.StoreStreaming(p.Apply(ref u, ref v, at, i + 2 * count), ref y, at + i + 2 * count);
                TS.StoreStreaming(p.Apply(ref u, ref v, at, i + 3 * count), ref y, at + i + 3 * count);
            }

            for (; i + count <= length; i += count)
            {
                TS.StoreStreaming(p.Apply(ref u, ref v, at, i), ref y, at + i);
            }

            if (i < length)
            {
                StoreLanes<TS, TF, TD>(tail, ref y, at + last, i - last, count);
            }

            return;
        }

        for (; i + Unroll * count <= last; i += Unroll * count)
        {
            TF a = p.Apply(ref u, ref v, at, i), b = p.Apply(ref u, ref v, at, i + count);
            TF c = p.Apply(ref u, ref v, at, i + 2 * count), d = p.Apply(ref u, ref v, at, i + 3 * count);
            TS.Store(a, ref y, at + i);
            TS.Store(b, ref y, at + i + count);
            TS.Store(c, ref y, at + i + 2 * count);
            TS.Store(d, ref y, at + i + 3 * count);
        }

        for (; i < last; i += count)
        {
            TS.Store(p.Apply(ref u, ref v, at, i), ref y, at + i);
        }

        TS.Store(tail, ref y, at + last);
    }

    /// <summary>
    /// Lanes [<paramref name="from"/>, <paramref name="to"/>) of <paramref name="value"/> to <c>y[at + lane]</c> with
    /// plain stores of single floats, so that no plain store touches a cache line the streaming stores write.
    /// </summary>
    private static void StoreLanes<TS, TF, TD>(TF value, ref float y, nint at, nint from, nint to)
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct
    {
        Lanes lanes = default;
        TS.Store(value, ref lanes[0], 0);
        for (nint lane = from; lane < to; lane++)
        {
            Unsafe.Add(ref y, at + lane) = lanes[(int)lane];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TF Broadcast<TOp, TS, TF, TD>(ref float parameter, int index, int channel)
        where TOp : IChannelMapOperator
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct => index < TOp.ParameterCount ? TS.Broadcast(Unsafe.Add(ref parameter, channel)) : TS.Zero;

    /// <summary>Room for the floats of the widest vector.</summary>
    [InlineArray(16)]
    private struct Lanes
    {
        private float _first;
    }

    /// <summary>Whether parameters are loaded per position of a run (a row's channels) or broadcast for the whole run (a plane's channel).</summary>
    private interface IParameterMode
    {
        static abstract bool PerPosition { get; }
    }

    private readonly struct PerChannel : IParameterMode
    {
        public static bool PerPosition => true;
    }

    private readonly struct PerPlane : IParameterMode
    {
        public static bool PerPosition => false;
    }

    /// <summary>The operator's parameters: loaded per position of a row, or the same broadcast values for a whole plane.</summary>
    private ref struct Parameters<TOp, TS, TF, TD, TMode>
        where TOp : IChannelMapOperator
        where TMode : struct, IParameterMode
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct
    {
        private readonly ref float _p0, _p1, _p2, _p3;
        private readonly TF _q0, _q1, _q2, _q3;

        public Parameters(ref float p0, ref float p1, ref float p2, ref float p3)
        {
            _p0 = ref p0;
            _p1 = ref p1;
            _p2 = ref p2;
            _p3 = ref p3;
        }

        public Parameters(TF q0, TF q1, TF q2, TF q3) => (_q0, _q1, _q2, _q3) = (q0, q1, q2, q3);

        /// <summary>The operator at run position <paramref name="position"/> (the run starts at <paramref name="at"/>).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly TF Apply(ref float u, ref float v, nint at, nint position)
        {
            TF first = TS.Load(ref u, at + position);
            TF second = TOp.ReadsSecondInput ? TS.Load(ref v, at + position) : first;
            return TMode.PerPosition
                ? TOp.Invoke<TS, TF, TD>(first, second, Load(ref _p0, 0, position), Load(ref _p1, 1, position), Load(ref _p2, 2, position), Load(ref _p3, 3, position))
                : TOp.Invoke<TS, TF, TD>(first, second, _q0, _q1, _q2, _q3);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static TF Load(ref float parameter, int index, nint position) =>
            index < TOp.ParameterCount ? TS.Load(ref parameter, position) : TS.Zero;
    }
}
