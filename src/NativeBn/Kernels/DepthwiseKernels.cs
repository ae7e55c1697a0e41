using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using NativeBn.Model;

namespace NativeBn.Kernels;

/// <summary>
/// Depthwise convolution (one filter per channel) of one sample <c>[C, H, W]</c> for one input size, computed directly.
/// Each channel's plane is copied once into a zero-padded plane; the channel's output rows are computed at every
/// column (horizontal stride 1, the vertical stride applied directly) in vectors, four vectors at a time through the
/// taps (four independent multiply-add chains, taken across rows when rows are narrow); a horizontal stride then keeps
/// every stride-th column. Tap offsets are computed once. Bias and an optional activation are fused; taps are summed in
/// kernel order.
/// </summary>
internal sealed class DepthwiseKernels
{
    private const int Block = 4;

    private readonly Window2d _window;
    private readonly int _height, _width, _outputHeight, _outputWidth, _rows, _paddedWidth, _vectors, _span;
    private readonly int[] _taps;

    public DepthwiseKernels(Window2d window, int height, int width)
    {
        _window = window;
        (_height, _width) = (height, width);
        (_outputHeight, _outputWidth) = (window.OutputHeight(height), window.OutputWidth(width));
        int vector = SimdWidth.MaxFloats;
        int columns = (_outputWidth - 1) * window.StrideWidth + 1;
        _vectors = (columns + vector - 1) / vector;
        _span = _vectors * vector;
        _rows = height + window.PadTop + window.PadBottom;
        _paddedWidth = Math.Max(_span + (window.KernelWidth - 1) * window.DilationWidth, window.PadLeft + width);
        _taps = new int[window.KernelHeight * window.KernelWidth];
        for (int r = 0; r < window.KernelHeight; r++)
        {
            for (int s = 0; s < window.KernelWidth; s++)
            {
                _taps[r * window.KernelWidth + s] = r * window.DilationHeight * _paddedWidth + s * window.DilationWidth;
            }
        }
    }

    /// <summary>Floats of scratch: one padded plane and one channel's full-width output rows.</summary>
    public long ScratchLength => (long)_rows * _paddedWidth + Units * SimdWidth.MaxFloats;

    /// <summary>Vectors of output per channel, rounded up to whole blocks.</summary>
    private int Units => (_outputHeight * _vectors + Block - 1) / Block * Block;

    /// <summary>All channels: weights <c>[C, kH·kW]</c>, bias <c>[C]</c>.</summary>
    public void Run(ReadOnlySpan<float> x, int channels, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, Span<float> y, Span<float> scratch, Activation activation)
    {
        switch (SimdWidth.MaxFloats)
        {
            case 16: Run<Simd512, Vector512<float>, Vector512<double>>(x, channels, weights, bias, y, scratch, activation); break;
            case 8: Run<Simd256, Vector256<float>, Vector256<double>>(x, channels, weights, bias, y, scratch, activation); break;
            case 4: Run<Simd128, Vector128<float>, Vector128<double>>(x, channels, weights, bias, y, scratch, activation); break;
            default: Run<SimdScalar, float, double>(x, channels, weights, bias, y, scratch, activation); break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Run<TS, TF, TD>(ReadOnlySpan<float> x, int channels, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, Span<float> y, Span<float> scratch, Activation activation)
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
        TF lower = TS.Broadcast(activation.Low), upper = TS.Broadcast(activation.High);
        for (int c = 0; c < channels; c++)
        {
            Pad(x.Slice(c * _height * _width, _height * _width), padded);
            ref float kernel = ref MemoryMarshal.GetReference(weights.Slice(c * taps, taps));
            TF start = TS.Broadcast(bias[c]);
            for (int u = 0; u < units; u += Block)
            {
                nint b0 = Base(u), b1 = Base(u + 1), b2 = Base(u + 2), b3 = Base(u + 3);
                TF s0 = start, s1 = start, s2 = start, s3 = start;
                for (int t = 0; t < taps; t++)
                {
                    TF weight = TS.Broadcast(Unsafe.Add(ref kernel, t));
                    nint tap = Unsafe.Add(ref rt, t);
                    s0 = TS.MultiplyAdd(weight, TS.Load(ref rp, b0 + tap), s0);
                    s1 = TS.MultiplyAdd(weight, TS.Load(ref rp, b1 + tap), s1);
                    s2 = TS.MultiplyAdd(weight, TS.Load(ref rp, b2 + tap), s2);
                    s3 = TS.MultiplyAdd(weight, TS.Load(ref rp, b3 + tap), s3);
                }

                if (activation.IsSet)
                {
                    (s0, s1, s2, s3) = (TS.Min(TS.Max(s0, lower), upper), TS.Min(TS.Max(s1, lower), upper),
                        TS.Min(TS.Max(s2, lower), upper), TS.Min(TS.Max(s3, lower), upper));
                }

                TS.Store(s0, ref rr, u * width);
                TS.Store(s1, ref rr, (u + 1) * width);
                TS.Store(s2, ref rr, (u + 2) * width);
                TS.Store(s3, ref rr, (u + 3) * width);
            }

            Keep(rows, y.Slice(c * _outputHeight * _outputWidth, _outputHeight * _outputWidth));
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

    /// <summary>The zero-padded plane.</summary>
    private void Pad(ReadOnlySpan<float> plane, Span<float> padded)
    {
        Window2d w = _window;
        padded[..(w.PadTop * _paddedWidth)].Clear();
        for (int h = 0; h < _height; h++)
        {
            Span<float> target = padded.Slice((w.PadTop + h) * _paddedWidth, _paddedWidth);
            target[..w.PadLeft].Clear();
            plane.Slice(h * _width, _width).CopyTo(target[w.PadLeft..]);
            target[(w.PadLeft + _width)..].Clear();
        }

        padded[((w.PadTop + _height) * _paddedWidth)..].Clear();
    }

    /// <summary>Output rows from the full-width rows: every column for stride 1, every stride-th otherwise.</summary>
    private void Keep(ReadOnlySpan<float> rows, Span<float> y)
    {
        int stride = _window.StrideWidth;
        for (int i = 0; i < _outputHeight; i++)
        {
            ReadOnlySpan<float> source = rows.Slice(i * _span, _span);
            Span<float> target = y.Slice(i * _outputWidth, _outputWidth);
            if (stride == 1)
            {
                source[.._outputWidth].CopyTo(target);
                continue;
            }

            for (int j = 0; j < target.Length; j++)
            {
                target[j] = source[j * stride];
            }
        }
    }
}
