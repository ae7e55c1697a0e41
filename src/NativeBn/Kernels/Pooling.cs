using NativeBn.Kernels.Operators;
using NativeBn.Model.Nodes;

namespace NativeBn.Kernels;

/// <summary>
/// Max or average pooling of one sample <c>[C, H, W]</c>, window geometry and average divisors computed once. Max
/// pooling over 3x3 windows of stride 2 runs along rows (<see cref="MaxPool3x3Stride2"/>) where it fits, other max
/// pooling on <see cref="ChannelBlocks"/> of 8 channels where the CPU has AVX2 (the channels past the last whole
/// block along rows), with the same result either way: a maximum does not depend on the order.
/// </summary>
internal sealed class Pooling
{
    /// <summary>Least input floats a thread takes from a shared pooling.</summary>
    private const long FloatsPerChunk = 1L << 15;

    private readonly SlidingWindow _window;
    private readonly ChannelBlocks? _blocks;
    private readonly MaxPool3x3Stride2? _rows;
    private readonly int _channels;

    public Pooling(PoolNode pool, int channels, int height, int width)
    {
        bool max = pool.Pool == PoolKind.Max;
        _window = new SlidingWindow(pool.Window, height, width, pool.CeilMode, max ? float.NegativeInfinity : 0f);
        Counts = max ? [] : _window.Counts(pool.CountIncludePad);
        _rows = max && MaxPool3x3Stride2.Fits(pool.Window, height, width, pool.CeilMode) ? new MaxPool3x3Stride2(height, width) : null;
        _blocks = max && _rows is null && ChannelBlocks.Fits ? new ChannelBlocks(pool.Window, height, width, pool.CeilMode) : null;
        _channels = channels;
    }

    /// <summary>Floats of scratch <see cref="Run(ReadOnlySpan{float}, Span{float}, Span{float}, int)"/> needs.</summary>
    public long ScratchLength => Math.Max(_window.ScratchLength, _blocks?.ScratchLength ?? 0);

    /// <summary>For average pooling, each output's divisor <c>[OH, OW]</c>; empty for max pooling.</summary>
    public float[] Counts { get; }

    /// <summary>
    /// One sample <paramref name="x"/> <c>[C, H, W]</c> into <paramref name="y"/> <c>[C, OH, OW]</c>, its channels shared
    /// among up to <paramref name="maxThreads"/> threads where there is enough work (each channel is computed alone, so
    /// the result is the same for any count; each share uses its thread's <see cref="KernelScratch"/>).
    /// </summary>
    public unsafe void Run(ReadOnlySpan<float> x, Span<float> y, Span<float> scratch, int maxThreads = 1)
    {
        int block = _blocks is null ? 1 : ChannelBlocks.Lanes, units = (_channels + block - 1) / block;
        var chunks = new GuidedChunks(units, maxThreads, (int)Math.Min(units, FloatsPerChunk * units / Math.Max(1, (long)x.Length)));
        if (maxThreads <= 1 || chunks.Count <= 1)
        {
            Run(x, y, scratch, 0, _channels);
            return;
        }

        fixed (float* px = x, py = y)
        {
            var job = new Job(px, x.Length, py, y.Length, chunks);
            WorkerTeam.Shared.Run(this, chunks.Count, maxThreads, &Chunk, (nint)(&job));
        }
    }

    /// <summary>Channels [<paramref name="first"/>, <paramref name="end"/>) of one sample.</summary>
    private void Run(ReadOnlySpan<float> x, Span<float> y, Span<float> scratch, int first, int end)
    {
        int input = x.Length / _channels, output = y.Length / _channels;
        ReadOnlySpan<float> part = x.Slice(first * input, (end - first) * input);
        Span<float> target = y.Slice(first * output, (end - first) * output);
        if (_rows is not null)
        {
            _rows.Run(part, target, end - first);
            return;
        }

        if (_blocks is not null)
        {
            int whole = (end - first) / ChannelBlocks.Lanes * ChannelBlocks.Lanes;
            _blocks.Prepare(scratch, float.NegativeInfinity);
            var op = default(BlockMax);
            for (int c = 0; c < whole; c += ChannelBlocks.Lanes)
            {
                _blocks.Run(part.Slice(c * input, ChannelBlocks.Lanes * input), target.Slice(c * output, ChannelBlocks.Lanes * output), scratch, ref op);
            }

            part = part[(whole * input)..];
            target = target[(whole * output)..];
            if (part.IsEmpty)
            {
                return;
            }
        }

        int channels = part.Length / input;
        if (Counts.Length == 0)
        {
            var taps = default(MaxTaps);
            _window.Run(part, channels, ref taps, target, scratch, []);
        }
        else
        {
            var taps = default(SumTaps);
            _window.Run(part, channels, ref taps, target, scratch, Counts);
        }
    }

    private static unsafe void Chunk(object owner, nint state, int chunk)
    {
        ref Job job = ref *(Job*)state;
        var pooling = (Pooling)owner;
        int block = pooling._blocks is null ? 1 : ChannelBlocks.Lanes;
        (int firstUnit, int endUnit) = job.Chunks.Range(chunk);
        int first = firstUnit * block, end = Math.Min(pooling._channels, endUnit * block);
        pooling.Run(
            new ReadOnlySpan<float>(job.X, job.InputLength), new Span<float>(job.Y, job.OutputLength), KernelScratch.Floats(pooling.ScratchLength), first, end);
    }

    /// <summary>One pooling shared among threads: its pinned input and output.</summary>
    private readonly unsafe struct Job(float* x, int inputLength, float* y, int outputLength, GuidedChunks chunks)
    {
        public readonly float* X = x, Y = y;
        public readonly int InputLength = inputLength, OutputLength = outputLength;
        public readonly GuidedChunks Chunks = chunks;
    }
}
