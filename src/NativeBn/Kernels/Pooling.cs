using NativeBn.Kernels.Operators;
using NativeBn.Model.Nodes;

namespace NativeBn.Kernels;

/// <summary>Max or average pooling of one sample <c>[C, H, W]</c>, window geometry and average divisors computed once.</summary>
internal sealed class Pooling
{
    private readonly SlidingWindow _window;
    private readonly int _channels;

    public Pooling(PoolNode pool, int channels, int height, int width)
    {
        bool max = pool.Pool == PoolKind.Max;
        _window = new SlidingWindow(pool.Window, height, width, pool.CeilMode, max ? float.NegativeInfinity : 0f);
        Counts = max ? [] : _window.Counts(pool.CountIncludePad);
        _channels = channels;
    }

    /// <summary>Floats of scratch <see cref="Run"/> needs.</summary>
    public long ScratchLength => _window.ScratchLength;

    /// <summary>For average pooling, each output's divisor <c>[OH, OW]</c>; empty for max pooling.</summary>
    public float[] Counts { get; }

    /// <summary>One sample <paramref name="x"/> <c>[C, H, W]</c> into <paramref name="y"/> <c>[C, OH, OW]</c>.</summary>
    public void Run(ReadOnlySpan<float> x, Span<float> y, Span<float> scratch)
    {
        if (Counts.Length == 0)
        {
            var taps = default(MaxTaps);
            _window.Run(x, _channels, ref taps, y, scratch, []);
        }
        else
        {
            var taps = default(SumTaps);
            _window.Run(x, _channels, ref taps, y, scratch, Counts);
        }
    }
}
