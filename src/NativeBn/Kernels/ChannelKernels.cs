using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NativeBn.Kernels;

/// <summary>
/// Entry points of the per-channel kernels: picks the SIMD width for the geometry's contiguous runs, and
/// spreads fixed chunks over threads when a tensor is large. Sums are combined per channel in chunk order,
/// the same order whether one thread or many ran the chunks, so results are bit-identical for any thread
/// count. Spans must already be validated by the caller.
/// </summary>
internal static class ChannelKernels
{
    /// <summary>Fewest chunks for which threads are used.</summary>
    public const int MinParallelChunks = 4;

    /// <summary>Values a thread takes at once from channels-first chunks (see <see cref="ChunksPerClaim"/>).</summary>
    private const int ClaimElements = ChannelGeometry.ChunkElements / 4;

    public static bool RunsInParallel(in ChannelGeometry geometry, int maxThreads) =>
        maxThreads > 1 && geometry.ElementCount > ChannelGeometry.ChunkElements && geometry.ChunkCount >= MinParallelChunks;

    /// <summary>Doubles of scratch that <see cref="Sums{TOp}"/> needs for this geometry and thread count.</summary>
    public static int SumsScratchLength(in ChannelGeometry geometry, int maxThreads) => ScratchFor(geometry.ForSums(), maxThreads);

    private static int ScratchFor(in ChannelGeometry geometry, int maxThreads)
    {
        if (RunsInParallel(geometry, maxThreads))
        {
            return geometry.IsChannelsLast ? 2 * geometry.Channels * geometry.ChunkCount : 2 * geometry.ChunkCount;
        }

        return geometry.IsChannelsLast && !geometry.IsSingleChunk && geometry.ChunkCount > 1 ? 2 * geometry.Channels : 0;
    }

    /// <summary>
    /// Outputs of at least this many bytes that overlap no input are written with non-temporal stores: half of a
    /// typical server L3, so an output that large would push the inputs and the caller's data out of the cache anyway.
    /// </summary>
    public const long StreamingBytes = 16L << 20;

    /// <summary>
    /// <c>y = TOp(u, v, p0..p3)</c> for every value. Unused parameter spans may be empty. Tensors larger than a chunk are
    /// swept run by run (<see cref="StreamDriver"/>), with non-temporal stores from <see cref="StreamingBytes"/> up.
    /// </summary>
    public static unsafe void Map<TOp>(
        in ChannelGeometry geometry, ReadOnlySpan<float> u, ReadOnlySpan<float> v,
        ReadOnlySpan<float> p0, ReadOnlySpan<float> p1, ReadOnlySpan<float> p2, ReadOnlySpan<float> p3,
        Span<float> y, int maxThreads)
        where TOp : IChannelMapOperator
    {
        bool streaming = geometry.ElementCount * sizeof(float) >= StreamingBytes
            && !y.Overlaps(u) && !(TOp.ReadsSecondInput && y.Overlaps(v));
        fixed (float* pu = u, pv = TOp.ReadsSecondInput ? v : u, py = y, q0 = p0, q1 = p1, q2 = p2, q3 = p3)
        {
            var job = new MapJob(geometry, pu, pv, py, q0, q1, q2, q3, streaming);
            if (!RunsInParallel(geometry, maxThreads))
            {
                int pieces = geometry.IsChannelsLast ? 1 : geometry.Channels;
                for (int channel = 0; channel < pieces; channel++)
                {
                    MapPiece<TOp>(job, 0, geometry.Outer, channel);
                }

                return;
            }

            WorkerTeam.Shared.Run(ClaimCount(geometry, job.ChunksPerClaim), maxThreads, &MapChunks<TOp>, (nint)(&job));
        }
    }

    /// <summary>
    /// Per-channel sums <c>(a, b) = Σ TOp(u, v, p)</c> written to <paramref name="a"/> and <paramref name="b"/>
    /// (length C each), over the chunks of <see cref="ChannelGeometry.ForSums"/>. <paramref name="scratch"/> holds at
    /// least <see cref="SumsScratchLength"/> doubles.
    /// </summary>
    public static void Sums<TOp>(
        in ChannelGeometry tensor, ReadOnlySpan<float> u, ReadOnlySpan<float> v, ReadOnlySpan<double> p,
        Span<double> a, Span<double> b, Span<double> scratch, int maxThreads)
        where TOp : IChannelSumsOperator
    {
        ChannelGeometry geometry = tensor.ForSums();
        ref float ru = ref MemoryMarshal.GetReference(u);
        ref float rv = ref TOp.ReadsSecondInput ? ref MemoryMarshal.GetReference(v) : ref ru;
        int channels = geometry.Channels;
        if (!RunsInParallel(geometry, maxThreads))
        {
            Span<double> pair = stackalloc double[2];
            for (int chunk = 0; chunk < geometry.ChunkCount; chunk++)
            {
                geometry.GetChunk(chunk, out int start, out int end, out int channel);
                if (geometry.IsChannelsLast)
                {
                    bool first = chunk == 0;
                    Span<double> pa = first ? a : scratch[..channels];
                    Span<double> pb = first ? b : scratch.Slice(channels, channels);
                    SumsPiece<TOp>(geometry, ref ru, ref rv, p, pa, pb, start, end, 0);
                    if (!first)
                    {
                        AddInto(a, pa);
                        AddInto(b, pb);
                    }
                }
                else
                {
                    SumsPiece<TOp>(geometry, ref ru, ref rv, p, pair[..1], pair[1..], start, end, channel);
                    bool first = chunk % geometry.ChunksPerChannel == 0;
                    a[channel] = first ? pair[0] : a[channel] + pair[0];
                    b[channel] = first ? pair[1] : b[channel] + pair[1];
                }
            }

            return;
        }

        int stride = geometry.IsChannelsLast ? 2 * channels : 2;
        SumsInParallel<TOp>(geometry, ref ru, ref rv, p, scratch, stride, maxThreads);
        for (int chunk = 0; chunk < geometry.ChunkCount; chunk++)
        {
            Span<double> partial = scratch.Slice(chunk * stride, stride);
            if (geometry.IsChannelsLast)
            {
                if (chunk == 0)
                {
                    partial[..channels].CopyTo(a);
                    partial[channels..].CopyTo(b);
                }
                else
                {
                    AddInto(a, partial[..channels]);
                    AddInto(b, partial[channels..]);
                }
            }
            else
            {
                int channel = chunk / geometry.ChunksPerChannel;
                bool first = chunk % geometry.ChunksPerChannel == 0;
                a[channel] = first ? partial[0] : a[channel] + partial[0];
                b[channel] = first ? partial[1] : b[channel] + partial[1];
            }
        }
    }

    /// <summary>The chunks of one claim: <see cref="MapJob.ChunksPerClaim"/> consecutive chunks from <c>claim</c>'s first.</summary>
    private static unsafe void MapChunks<TOp>(nint state, int claim)
        where TOp : IChannelMapOperator
    {
        ref MapJob job = ref *(MapJob*)state;
        ClaimedChunks(job.Geometry, job.ChunksPerClaim, claim, out int first, out int end);
        for (int chunk = first; chunk < end; chunk++)
        {
            job.Geometry.GetChunk(chunk, out int start, out int stop, out int channel);
            MapPiece<TOp>(job, start, stop, channel);
        }
    }

    /// <summary>
    /// Chunks a thread claims at once on the worker team: one for channels-last data (each chunk is a block of whole rows);
    /// for channels-first data, as many consecutive chunks as hold about <see cref="ClaimElements"/> values. A
    /// channels-first chunk is one channel's planes, and consecutive channels' planes lie next to each other: where a plane
    /// is not a whole number of cache lines, neighbouring chunks write the same line at their ends (and their partial sums,
    /// two doubles each, share lines too), so two threads taking alternate chunks would pass those lines back and forth.
    /// Which thread runs a chunk never changes what it computes.
    /// </summary>
    private static int ChunksPerClaim(in ChannelGeometry geometry) =>
        geometry.IsChannelsLast ? 1 : Math.Max(1, ClaimElements / (Math.Min(geometry.OuterPerChunk, geometry.Outer) * geometry.Spatial));

    /// <summary>Claims that cover every chunk, <paramref name="chunksPerClaim"/> at a time.</summary>
    private static int ClaimCount(in ChannelGeometry geometry, int chunksPerClaim) =>
        (geometry.ChunkCount + chunksPerClaim - 1) / chunksPerClaim;

    /// <summary>The chunks [<paramref name="first"/>, <paramref name="end"/>) of claim <paramref name="claim"/>.</summary>
    private static void ClaimedChunks(in ChannelGeometry geometry, int chunksPerClaim, int claim, out int first, out int end)
    {
        first = claim * chunksPerClaim;
        end = Math.Min(geometry.ChunkCount, first + chunksPerClaim);
    }

    /// <summary>Computes every chunk's partial sums on the worker team into <paramref name="scratch"/>, <paramref name="stride"/> doubles each.</summary>
    private static unsafe void SumsInParallel<TOp>(
        ChannelGeometry g, ref float ru, ref float rv, ReadOnlySpan<double> p, Span<double> scratch, int stride, int maxThreads)
        where TOp : IChannelSumsOperator
    {
        fixed (float* pu = &ru, pv = &rv)
        fixed (double* pp = p, ps = scratch)
        {
            var job = new SumsJob(g, pu, pv, pp, p.Length, ps, stride);
            WorkerTeam.Shared.Run(ClaimCount(g, job.ChunksPerClaim), maxThreads, &SumsChunks<TOp>, (nint)(&job));
        }
    }

    /// <summary>The partial sums of one claim's chunks (see <see cref="ChunksPerClaim"/>), each into its own place in the scratch.</summary>
    private static unsafe void SumsChunks<TOp>(nint state, int claim)
        where TOp : IChannelSumsOperator
    {
        ref SumsJob job = ref *(SumsJob*)state;
        ClaimedChunks(job.Geometry, job.ChunksPerClaim, claim, out int first, out int last);
        int half = job.Stride / 2;
        for (int chunk = first; chunk < last; chunk++)
        {
            job.Geometry.GetChunk(chunk, out int start, out int end, out int channel);
            var partial = new Span<double>(job.Scratch + (nint)chunk * job.Stride, job.Stride);
            SumsPiece<TOp>(job.Geometry, ref *job.U, ref *job.V, new ReadOnlySpan<double>(job.P, job.ParameterCount),
                partial[..half], partial[half..], start, end, channel);
        }
    }

    private unsafe readonly struct MapJob(ChannelGeometry geometry, float* u, float* v, float* y, float* p0, float* p1, float* p2, float* p3, bool streaming)
    {
        public readonly ChannelGeometry Geometry = geometry;
        public readonly float* U = u, V = v, Y = y, P0 = p0, P1 = p1, P2 = p2, P3 = p3;
        public readonly bool Streaming = streaming;
        public readonly int ChunksPerClaim = ChannelKernels.ChunksPerClaim(geometry);
    }

    private unsafe readonly struct SumsJob(ChannelGeometry geometry, float* u, float* v, double* p, int parameterCount, double* scratch, int stride)
    {
        public readonly ChannelGeometry Geometry = geometry;
        public readonly float* U = u, V = v;
        public readonly double* P = p, Scratch = scratch;
        public readonly int ParameterCount = parameterCount, Stride = stride;
        public readonly int ChunksPerClaim = ChannelKernels.ChunksPerClaim(geometry);
    }

    /// <summary><c>total[c] += part[c]</c>: one IEEE addition per channel whatever the vector width, so sums are the same at every width.</summary>
    private static void AddInto(Span<double> total, ReadOnlySpan<double> part)
    {
        int c = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; c + Vector<double>.Count <= total.Length; c += Vector<double>.Count)
            {
                (new Vector<double>(total[c..]) + new Vector<double>(part[c..])).CopyTo(total[c..]);
            }
        }

        for (; c < total.Length; c++)
        {
            total[c] += part[c];
        }
    }

    /// <summary>
    /// Rows or samples [<paramref name="start"/>, <paramref name="end"/>) (of channel <paramref name="channel"/> for
    /// channels-first data): one chunk through <see cref="MapDriver"/>, larger tensors through <see cref="StreamDriver"/>.
    /// </summary>
    private static unsafe void MapPiece<TOp>(in MapJob job, int start, int end, int channel)
        where TOp : IChannelMapOperator
    {
        ChannelGeometry g = job.Geometry;
        ref float u = ref *job.U, v = ref *job.V, y = ref *job.Y;
        ref float p0 = ref *job.P0, p1 = ref *job.P1, p2 = ref *job.P2, p3 = ref *job.P3;
        if (g.IsChannelsLast)
        {
            nint offset = (nint)start * g.Channels;
            if (g.IsSingleChunk)
            {
                MapRows<TOp, AnyWidth>(ref Unsafe.Add(ref u, offset), ref Unsafe.Add(ref v, offset), ref Unsafe.Add(ref y, offset),
                    end - start, g.Channels, ref p0, ref p1, ref p2, ref p3);
                return;
            }

            switch (SimdWidth.ForRun(g.Channels))
            {
                case 16:
                    StreamDriver.Rows<TOp, Simd512, Vector512<float>, Vector512<double>>(ref Unsafe.Add(ref u, offset), ref Unsafe.Add(ref v, offset), ref Unsafe.Add(ref y, offset), end - start, g.Channels, ref p0, ref p1, ref p2, ref p3, job.Streaming);
                    break;
                case 8:
                    StreamDriver.Rows<TOp, Simd256, Vector256<float>, Vector256<double>>(ref Unsafe.Add(ref u, offset), ref Unsafe.Add(ref v, offset), ref Unsafe.Add(ref y, offset), end - start, g.Channels, ref p0, ref p1, ref p2, ref p3, job.Streaming);
                    break;
                case 4:
                    StreamDriver.Rows<TOp, Simd128, Vector128<float>, Vector128<double>>(ref Unsafe.Add(ref u, offset), ref Unsafe.Add(ref v, offset), ref Unsafe.Add(ref y, offset), end - start, g.Channels, ref p0, ref p1, ref p2, ref p3, job.Streaming);
                    break;
                default:
                    StreamDriver.Rows<TOp, SimdScalar, float, double>(ref Unsafe.Add(ref u, offset), ref Unsafe.Add(ref v, offset), ref Unsafe.Add(ref y, offset), end - start, g.Channels, ref p0, ref p1, ref p2, ref p3, job.Streaming);
                    break;
            }

            return;
        }

        switch (SimdWidth.ForRun(g.Spatial))
        {
            case 16:
                StreamDriver.Planes<TOp, Simd512, Vector512<float>, Vector512<double>>(ref u, ref v, ref y, start, end, g.Channels, g.Spatial, channel, ref p0, ref p1, ref p2, ref p3, job.Streaming);
                break;
            case 8:
                StreamDriver.Planes<TOp, Simd256, Vector256<float>, Vector256<double>>(ref u, ref v, ref y, start, end, g.Channels, g.Spatial, channel, ref p0, ref p1, ref p2, ref p3, job.Streaming);
                break;
            case 4:
                StreamDriver.Planes<TOp, Simd128, Vector128<float>, Vector128<double>>(ref u, ref v, ref y, start, end, g.Channels, g.Spatial, channel, ref p0, ref p1, ref p2, ref p3, job.Streaming);
                break;
            default:
                StreamDriver.Planes<TOp, SimdScalar, float, double>(ref u, ref v, ref y, start, end, g.Channels, g.Spatial, channel, ref p0, ref p1, ref p2, ref p3, job.Streaming);
                break;
        }
    }

    /// <summary>
    /// <c>y = TOp(u, v, p0..p3)</c> over <paramref name="rows"/> channels-last rows of <c>TWidth.Resolve(channels)</c>
    /// values, on the caller's thread, with the widest SIMD width a row holds. A constant <typeparamref name="TWidth"/>
    /// lets the JIT fold the width choice and the row geometry.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void MapRows<TOp, TWidth>(
        ref float u, ref float v, ref float y, nint rows, int channels, ref float p0, ref float p1, ref float p2, ref float p3)
        where TOp : IChannelMapOperator
        where TWidth : IChannelWidth
    {
        int width = TWidth.Resolve(channels);
        if (Vector512.IsHardwareAccelerated && width >= 16)
        {
            MapDriver.Rows<TOp, Simd512, Vector512<float>, Vector512<double>, TWidth>(ref u, ref v, ref y, rows, channels, ref p0, ref p1, ref p2, ref p3);
        }
        else if (Vector256.IsHardwareAccelerated && width >= 8)
        {
            MapDriver.Rows<TOp, Simd256, Vector256<float>, Vector256<double>, TWidth>(ref u, ref v, ref y, rows, channels, ref p0, ref p1, ref p2, ref p3);
        }
        else if (Vector128.IsHardwareAccelerated && width >= 4)
        {
            MapDriver.Rows<TOp, Simd128, Vector128<float>, Vector128<double>, TWidth>(ref u, ref v, ref y, rows, channels, ref p0, ref p1, ref p2, ref p3);
        }
        else
        {
            MapDriver.Rows<TOp, SimdScalar, float, double, TWidth>(ref u, ref v, ref y, rows, channels, ref p0, ref p1, ref p2, ref p3);
        }
    }

    private static void SumsPiece<TOp>(
        in ChannelGeometry g, ref float u, ref float v, ReadOnlySpan<double> p, Span<double> a, Span<double> b,
        int start, int end, int channel)
        where TOp : IChannelSumsOperator
    {
        if (g.IsChannelsLast)
        {
            nint offset = (nint)start * g.Channels;
            SumsRows<TOp, AnyWidth>(ref Unsafe.Add(ref u, offset), ref Unsafe.Add(ref v, offset), end - start, g.Channels,
                ref MemoryMarshal.GetReference(p), ref MemoryMarshal.GetReference(a), ref MemoryMarshal.GetReference(b));
            return;
        }

        switch (SimdWidth.ForRun(g.Spatial))
        {
            case 16:
                SumsDriver.Planes<TOp, Simd512, Vector512<float>, Vector512<double>>(ref u, ref v, start, end, g.Channels, g.Spatial, channel, p[channel], out a[0], out b[0]);
                break;
            case 8:
                SumsDriver.Planes<TOp, Simd256, Vector256<float>, Vector256<double>>(ref u, ref v, start, end, g.Channels, g.Spatial, channel, p[channel], out a[0], out b[0]);
                break;
            case 4:
                SumsDriver.Planes<TOp, Simd128, Vector128<float>, Vector128<double>>(ref u, ref v, start, end, g.Channels, g.Spatial, channel, p[channel], out a[0], out b[0]);
                break;
            default:
                SumsDriver.Planes<TOp, SimdScalar, float, double>(ref u, ref v, start, end, g.Channels, g.Spatial, channel, p[channel], out a[0], out b[0]);
                break;
        }
    }

    /// <summary>
    /// Per-channel sums over <paramref name="rows"/> channels-last rows of <c>TWidth.Resolve(channels)</c> values,
    /// written to <paramref name="a"/> and <paramref name="b"/>, on the caller's thread (see <see cref="SumsDriver.Rows"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SumsRows<TOp, TWidth>(
        ref float u, ref float v, nint rows, int channels, ref double p, ref double a, ref double b)
        where TOp : IChannelSumsOperator
        where TWidth : IChannelWidth
    {
        switch (SimdWidth.ForRun(TWidth.Resolve(channels)))
        {
            case 16:
                SumsDriver.Rows<TOp, Simd512, Vector512<float>, Vector512<double>, TWidth>(ref u, ref v, rows, channels, ref p, ref a, ref b);
                break;
            case 8:
                SumsDriver.Rows<TOp, Simd256, Vector256<float>, Vector256<double>, TWidth>(ref u, ref v, rows, channels, ref p, ref a, ref b);
                break;
            case 4:
                SumsDriver.Rows<TOp, Simd128, Vector128<float>, Vector128<double>, TWidth>(ref u, ref v, rows, channels, ref p, ref a, ref b);
                break;
            default:
                SumsDriver.Rows<TOp, SimdScalar, float, double, TWidth>(ref u, ref v, rows, channels, ref p, ref a, ref b);
                break;
        }
    }
}
