using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using NativeBn.Model;

namespace NativeBn.Kernels;

/// <summary>
/// A window slid over each channel of one sample <c>[C, H, W]</c> on its own (depthwise convolution, max and average
/// pooling), for one input size. Each channel's plane is copied once into a padded plane (filled with the operator's
/// padding value, and tall enough for ceil-mode windows); the channel's output rows are computed at every column
/// (horizontal stride 1, the vertical stride applied directly), a vector of adjacent columns at a time and four vectors
/// together through the taps (independent chains, taken across rows when rows are narrow); a horizontal stride then
/// keeps every stride-th column, and averages divide by each window's count. Tap offsets are computed once.
/// </summary>
internal sealed class SlidingWindow
{
    private const int Block = 4;

    private readonly Window2d _window;
    private readonly float _padding;
    private readonly int _height, _width, _outputHeight, _outputWidth, _rows, _paddedWidth, _vectors, _span;
    private readonly int[] _taps;

    /// <summary>A window over <paramref name="height"/> x <paramref name="width"/> planes; padding reads <paramref name="padding"/>.</summary>
    public SlidingWindow(Window2d window, int height, int width, bool ceilMode, float padding)
    {
        _window = window;
        _padding = padding;
        (_height, _width) = (height, width);
        (_outputHeight, _outputWidth) = (window.OutputHeight(height, ceilMode), window.OutputWidth(width, ceilMode));
        int vector = SimdWidth.MaxFloats;
        _vectors = ((_outputWidth - 1) * window.StrideWidth + 1 + vector - 1) / vector;
        _span = _vectors * vector;
        _rows = Math.Max(height + window.PadTop + window.PadBottom, (_outputHeight - 1) * window.StrideHeight + (window.KernelHeight - 1) * window.DilationHeight + 1);
        _paddedWidth = Math.Max(_span + (window.KernelWidth - 1) * window.DilationWidth, window.PadLeft + width);
        _taps = new int[window.KernelHeight * window.KernelWidth];
        for (int r = 0; r < window.KernelHeight; r++)
        {
            for (int s = 0; s < window.KernelWidth; s++)
            {
                _taps[r * window.KernelWidth + s] = checked(r * window.DilationHeight * _paddedWidth + s * window.DilationWidth);
            }
        }

        ScratchLength = checked((long)_rows * _paddedWidth + (long)Units * vector);
    }

    /// <summary>Floats of scratch: one padded plane and one channel's full-width output rows.</summary>
    public long ScratchLength { get; }

    /// <summary>Vectors of output per channel, rounded up to whole blocks.</summary>
    private int Units => (_outputHeight * _vectors + Block - 1) / Block * Block;

    /// <summary>
    /// For average pooling: the positions each window counts, <c>[OH, OW]</c>: those inside the input or, with
    /// <paramref name="includePadding"/>, inside the padded input (PyTorch's divisor; ceil-mode overhang never counts).
    /// </summary>
    public float[] Counts(bool includePadding)
    {
        Window2d w = _window;
        var counts = new float[_outputHeight * _outputWidth];
        for (int i = 0; i < _outputHeight; i++)
        {
            for (int j = 0; j < _outputWidth; j++)
            {
                int top = i * w.StrideHeight - w.PadTop, left = j * w.StrideWidth - w.PadLeft;
                int bottom = Math.Min(top + w.KernelHeight, _height + w.PadBottom), right = Math.Min(left + w.KernelWidth, _width + w.PadRight);
                counts[i * _outputWidth + j] = includePadding
                    ? (bottom - top) * (right - left)
                    : (Math.Min(bottom, _height) - Math.Max(top, 0)) * (Math.Min(right, _width) - Math.Max(left, 0));
            }
        }

        return counts;
    }

    /// <summary>
    /// Every channel of <paramref name="x"/> into <paramref name="y"/> <c>[C, OH, OW]</c>; outputs are divided by
    /// <paramref name="counts"/> when it is not empty.
    /// </summary>
    public void Run<TOp>(ReadOnlySpan<float> x, int channels, ref TOp op, Span<float> y, Span<float> scratch, ReadOnlySpan<float> counts)
        where TOp : struct, IWindowOperator
    {
        switch (SimdWidth.MaxFloats)
        {
            case 16: Run<TOp, Simd512, Vector512<float>, Vector512<double>>(x, channels, ref op, y, scratch, counts); break;
            case 8: Run<TOp, Simd256, Vector256<float>, Vector256<double>>(x, channels, ref op, y, scratch, counts); break;
            case 4: Run<TOp, Simd128, Vector128<float>, Vector128<double>>(x, channels, ref op, y, scratch, counts); break;
            default: Run<TOp, SimdScalar, float, double>(x, channels, ref op, y, scratch, counts); break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Run<TOp, TS, TF, TD>(ReadOnlySpan<float> x, int channels, ref TOp op, Span<float> y, Span<float> scratch, ReadOnlySpan<float> counts)
        where TOp : struct, IWindowOperator
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct
    {
        int taps = _taps.Length, units = Units, plane = _rows * _paddedWidth;
        nint width = TS.Count;
        Span<float> padded = scratch[..plane];
        Span<float> rows = scratch.Slice(plane, units * TS.Count);
        ref float rp = ref MemoryMarshal.GetReference(padded);
        ref float rr = ref MemoryMarshal.GetReference(rows);
        ref int rt = ref MemoryMarshal.GetArrayDataReference(_taps);
        for (int c = 0; c < channels; c++)
        {
            Pad(x.Slice(c * _height * _width, _height * _width), padded);
            TF start = op.Start<TS, TF, TD>(c);
            for (int u = 0; u < units; u += Block)
            {
                nint b0 = Base(u), b1 = Base(u + 1), b2 = Base(u + 2), b3 = Base(u + 3);
                TF s0 = start, s1 = start, s2 = start, s3 = start;
                for (int t = 0; t < taps; t++)
                {
                    nint tap = Unsafe.Add(ref rt, t);
                    s0 = op.Step<TS, TF, TD>(s0, TS.Load(ref rp, b0 + tap), t);
                    s1 = op.Step<TS, TF, TD>(s1, TS.Load(ref rp, b1 + tap), t);
                    s2 = op.Step<TS, TF, TD>(s2, TS.Load(ref rp, b2 + tap), t);
                    s3 = op.Step<TS, TF, TD>(s3, TS.Load(ref rp, b3 + tap), t);
                }

                TS.Store(op.Finish<TS, TF, TD>(s0), ref rr, u * width);
                TS.Store(op.Finish<TS, TF, TD>(s1), ref rr, (u + 1) * width);
                TS.Store(op.Finish<TS, TF, TD>(s2), ref rr, (u + 2) * width);
                TS.Store(op.Finish<TS, TF, TD>(s3), ref rr, (u + 3) * width);
            }

            Keep(rows, y.Slice(c * _outputHeight * _outputWidth, _outputHeight * _outputWidth), counts);
        }
    }

    /// <summary>
    /// Where unit u (output row u / vectors, column vector u mod vectors) starts in the padded plane; units past the last
    /// row (rounding up to whole blocks) read from the start and their results are never kept.
    /// </summary>
    private nint Base(int unit)
    {
        int i = unit / _vectors, j = unit % _vectors;
        return i >= _outputHeight ? 0 : (nint)i * _window.StrideHeight * _paddedWidth + j * SimdWidth.MaxFloats;
    }

    /// <summary>The plane, surrounded by the padding value.</summary>
    private void Pad(ReadOnlySpan<float> plane, Span<float> padded)
    {
        Window2d w = _window;
        padded[..(w.PadTop * _paddedWidth)].Fill(_padding);
        for (int h = 0; h < _height; h++)
        {
            Span<float> target = padded.Slice((w.PadTop + h) * _paddedWidth, _paddedWidth);
            target[..w.PadLeft].Fill(_padding);
            plane.Slice(h * _width, _width).CopyTo(target[w.PadLeft..]);
            target[(w.PadLeft + _width)..].Fill(_padding);
        }

        padded[((w.PadTop + _height) * _paddedWidth)..].Fill(_padding);
    }

    /// <summary>Output rows from the full-width rows: every stride-th column, divided by the window counts for averages.</summary>
    private void Keep(ReadOnlySpan<float> rows, Span<float> y, ReadOnlySpan<float> counts)
    {
        int stride = _window.StrideWidth;
        for (int i = 0; i < _outputHeight; i++)
        {
            ReadOnlySpan<float> source = rows.Slice(i * _span, _span);
            Span<float> target = y.Slice(i * _outputWidth, _outputWidth);
            if (stride == 1 && counts.IsEmpty)
            {
                source[.._outputWidth].CopyTo(target);
                continue;
            }

            for (int j = 0; j < target.Length; j++)
            {
                float value = source[j * stride];
                target[j] = counts.IsEmpty ? value : value / counts[i * _outputWidth + j];
            }
        }
    }
}
