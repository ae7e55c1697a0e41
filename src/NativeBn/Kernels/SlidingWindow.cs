using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using NativeBn.Model;

namespace NativeBn.Kernels;

/// <summary>
/// A window slid over each channel of one sample <c>[C, H, W]</c> on its own (depthwise convolution, max and average
/// pooling), for one input size. Each channel's plane is copied once, padded with the operator's padding value (tall
/// and wide enough for ceil-mode windows) with its rows split into vertical stride phases (padded row y goes to phase
/// y mod sh at row y / sh; rows are copied whole, columns stay in place), so that for every tap the inputs of
/// consecutive columns of consecutive output rows are consecutive floats. Outputs are computed at every column of flat
/// positions <c>i·PhaseWidth + x</c>, a vector of positions at a time and four vectors together through the taps
/// (independent chains, across output rows when rows are narrow); each row keeps every horizontal-stride-th column up
/// to its width, and averages divide by each window's count. Tap offsets are computed once.
/// </summary>
internal sealed class SlidingWindow
{
    private const int Block = 4;

    private readonly Window2d _window;
    private readonly float _padding;
    private readonly int _height, _width, _outputHeight, _outputWidth, _phaseRows, _phaseWidth, _units, _copyLength;
    private readonly int[] _taps;
    private readonly bool[] _read;

    /// <summary>A window over <paramref name="height"/> x <paramref name="width"/> planes; padding reads <paramref name="padding"/>.</summary>
    public SlidingWindow(Window2d window, int height, int width, bool ceilMode, float padding)
    {
        _window = window;
        _padding = padding;
        (_height, _width) = (height, width);
        (_outputHeight, _outputWidth) = (window.OutputHeight(height, ceilMode), window.OutputWidth(width, ceilMode));
        int sh = window.StrideHeight;
        long rows = Math.Max((long)height + window.PadTop + window.PadBottom, (long)(_outputHeight - 1) * sh + (long)(window.KernelHeight - 1) * window.DilationHeight + 1);
        long columns = Math.Max((long)width + window.PadLeft + window.PadRight, (long)(_outputWidth - 1) * window.StrideWidth + (long)(window.KernelWidth - 1) * window.DilationWidth + 1);
        _phaseRows = checked((int)((rows + sh - 1) / sh));
        _phaseWidth = checked((int)columns);
        long phasePlane = (long)_phaseRows * _phaseWidth;
        int vector = SimdWidth.MaxFloats;
        _units = checked((int)(((long)_outputHeight * _phaseWidth + vector - 1) / vector + Block - 1) / Block * Block);
        _taps = new int[window.KernelHeight * window.KernelWidth];
        _read = new bool[sh];
        long furthest = 0;
        for (int r = 0; r < window.KernelHeight; r++)
        {
            for (int s = 0; s < window.KernelWidth; s++)
            {
                int y = r * window.DilationHeight, x = s * window.DilationWidth;
                long tap = (long)(y % sh) * phasePlane + (long)(y / sh) * _phaseWidth + x;
                _taps[r * window.KernelWidth + s] = checked((int)tap);
                _read[y % sh] = true;
                furthest = Math.Max(furthest, tap);
            }
        }

        _copyLength = checked((int)Math.Max(sh * phasePlane, furthest + (long)_units * vector));
        ScratchLength = checked(_copyLength + (long)_units * vector);
    }

    /// <summary>Floats of scratch: one channel's phase copy and its outputs at every flat position.</summary>
    public long ScratchLength { get; }

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
        int taps = _taps.Length, units = _units;
        nint width = TS.Count;
        Span<float> copy = scratch[.._copyLength];
        Span<float> flat = scratch.Slice(_copyLength, units * TS.Count);
        ref float rp = ref MemoryMarshal.GetReference(copy);
        ref float rr = ref MemoryMarshal.GetReference(flat);
        ref int rt = ref MemoryMarshal.GetArrayDataReference(_taps);
        for (int c = 0; c < channels; c++)
        {
            Split(x.Slice(c * _height * _width, _height * _width), copy);
            TF start = op.Start<TS, TF, TD>(c);
            for (int u = 0; u < units; u += Block)
            {
                nint b0 = u * width, b1 = b0 + width, b2 = b1 + width, b3 = b2 + width;
                TF s0 = start, s1 = start, s2 = start, s3 = start;
                for (int t = 0; t < taps; t++)
                {
                    nint tap = Unsafe.Add(ref rt, t);
                    TF value = op.Tap<TS, TF, TD>(t);
                    s0 = op.Step<TS, TF, TD>(s0, TS.Load(ref rp, b0 + tap), value);
                    s1 = op.Step<TS, TF, TD>(s1, TS.Load(ref rp, b1 + tap), value);
                    s2 = op.Step<TS, TF, TD>(s2, TS.Load(ref rp, b2 + tap), value);
                    s3 = op.Step<TS, TF, TD>(s3, TS.Load(ref rp, b3 + tap), value);
                }

                TS.Store(op.Finish<TS, TF, TD>(s0), ref rr, b0);
                TS.Store(op.Finish<TS, TF, TD>(s1), ref rr, b1);
                TS.Store(op.Finish<TS, TF, TD>(s2), ref rr, b2);
                TS.Store(op.Finish<TS, TF, TD>(s3), ref rr, b3);
            }

            Keep(flat, y.Slice(c * _outputHeight * _outputWidth, _outputHeight * _outputWidth), counts);
        }
    }

    /// <summary>
    /// The plane padded with the padding value, its rows split into the vertical stride phases the taps read. Only the
    /// phase planes are written: what lies past them is read by dropped positions alone.
    /// </summary>
    private void Split(ReadOnlySpan<float> plane, Span<float> copy)
    {
        Window2d w = _window;
        int sh = w.StrideHeight, phasePlane = _phaseRows * _phaseWidth;
        for (int a = 0; a < sh; a++)
        {
            if (!_read[a])
            {
                continue;
            }

            for (int r = 0; r < _phaseRows; r++)
            {
                Span<float> line = copy.Slice(a * phasePlane + r * _phaseWidth, _phaseWidth);
                int h = r * sh + a - w.PadTop;
                if ((uint)h >= (uint)_height)
                {
                    RunCopy.Fill(line, _padding);
                    continue;
                }

                RunCopy.Fill(line[..w.PadLeft], _padding);
                RunCopy.Copy(plane.Slice(h * _width, _width), line[w.PadLeft..]);
                RunCopy.Fill(line[(w.PadLeft + _width)..], _padding);
            }
        }
    }

    /// <summary>
    /// Output rows from the flat positions (each row starts at a multiple of the phase width): every stride-th column,
    /// divided by the window counts for averages.
    /// </summary>
    private void Keep(ReadOnlySpan<float> flat, Span<float> y, ReadOnlySpan<float> counts)
    {
        int stride = _window.StrideWidth;
        for (int i = 0; i < _outputHeight; i++)
        {
            ReadOnlySpan<float> source = flat.Slice(i * _phaseWidth, _phaseWidth);
            Span<float> target = y.Slice(i * _outputWidth, _outputWidth);
            if (stride == 1 && counts.IsEmpty)
            {
                RunCopy.Copy(source[.._outputWidth], target);
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
