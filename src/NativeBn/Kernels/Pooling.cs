using System.Runtime.InteropServices;
using NativeBn.Kernels.Operators;
using NativeBn.Model.Nodes;

namespace NativeBn.Kernels;

/// <summary>Max or average pooling of one sample <c>[C, H, W]</c>, window geometry and average divisors computed once.</summary>
internal sealed class Pooling
{
    /// <summary>Least input floats a thread takes from a shared pooling.</summary>
    private const long FloatsPerChunk = 1L << 15;

    [ThreadStatic]
    private static float[]? t_scratch;

    private readonly SlidingWindow _window;
    private readonly int _channels;

    public Pooling(PoolNode pool, int channels, int height, int width)
    {
        bool max = pool.Pool == PoolKind.Max;
        _window = new SlidingWindow(pool.Window, height, width, pool.CeilMode, max ? float.NegativeInfinity : 0f);
        Counts = max ? [] : _window.Counts(pool.CountIncludePad);
        _channels = channels;
    }

    /// <summary>Floats of scratch <see cref="Run(ReadOnlySpan{float}, Span{float}, Span{float}, int)"/> needs.</summary>
    public long ScratchLength => _window.ScratchLength;

    /// <summary>For average pooling, each output's divisor <c>[OH, OW]</c>; empty for max pooling.</summary>
    public float[] Counts { get; }

    /// <summary>
    /// One sample <paramref name="x"/> <c>[C, H, W]</c> into <paramref name="y"/> <c>[C, OH, OW]</c>, its channels shared
    /// among up to <paramref name="maxThreads"/> threads where there is enough work (each channel is computed alone, so
    /// the result is the same for any count; threads other than the caller use their own scratch).
    /// </summary>
    public unsafe void Run(ReadOnlySpan<float> x, Span<float> y, Span<float> scratch, int maxThreads = 1)
    {
        int chunks = (int)Math.Min(Math.Min(_channels, 4L * maxThreads), (long)x.Length / FloatsPerChunk);
        if (maxThreads <= 1 || chunks <= 1)
        {
            Run(x, y, scratch, 0, _channels);
            return;
        }

        GCHandle self = GCHandle.Alloc(this);
        try
        {
            fixed (float* px = x, py = y)
            {
                var job = new Job(GCHandle.ToIntPtr(self), px, x.Length, py, y.Length, chunks);
                WorkerTeam.Shared.Run(chunks, maxThreads, &Chunk, (nint)(&job));
            }
        }
        finally
        {
            self.Free();
        }
    }

    /// <summary>Channels [<paramref name="first"/>, <paramref name="end"/>) of one sample.</summary>
    private void Run(ReadOnlySpan<float> x, Span<float> y, Span<float> scratch, int first, int end)
    {
        int input = x.Length / _channels, output = y.Length / _channels;
        ReadOnlySpan<float> part = x.Slice(first * input, (end - first) * input);
        Span<float> target = y.Slice(first * output, (end - first) * output);
        if (Counts.Length == 0)
        {
            var taps = default(MaxTaps);
            _window.Run(part, end - first, ref taps, target, scratch, []);
        }
        else
        {
            var taps = default(SumTaps);
            _window.Run(part, end - first, ref taps, target, scratch, Counts);
        }
    }

    private static unsafe void Chunk(nint state, int chunk)
    {
        ref Job job = ref *(Job*)state;
        var pooling = (Pooling)GCHandle.FromIntPtr(job.Self).Target!;
        int length = checked((int)pooling.ScratchLength);
        float[] scratch = t_scratch is { } s && s.Length >= length ? s : t_scratch = new float[length];
        pooling.Run(
            new ReadOnlySpan<float>(job.X, job.InputLength), new Span<float>(job.Y, job.OutputLength), scratch,
            (int)((long)pooling._channels * chunk / job.Chunks), (int)((long)pooling._channels * (chunk + 1) / job.Chunks));
    }

    /// <summary>One pooling shared among threads: the pooling and its pinned input and output.</summary>
    private readonly unsafe struct Job(nint self, float* x, int inputLength, float* y, int outputLength, int chunks)
    {
        public readonly nint Self = self;
        public readonly float* X = x, Y = y;
        public readonly int InputLength = inputLength, OutputLength = outputLength, Chunks = chunks;
    }
}
