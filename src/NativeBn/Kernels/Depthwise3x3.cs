using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using NativeBn.Model;

namespace NativeBn.Kernels;

/// <summary>
/// Depthwise 3x3 convolution with stride 1, no dilation and one value of zero padding on every side (the layers of
/// MobileNet-style networks), from the input planes straight into the output planes with no padded copy. With that
/// geometry an output plane has the input's shape, and output position <c>f = i·W + j</c> reads input positions
/// <c>f + (r - 1)·W + (s - 1)</c> for tap (r, s): one constant offset per tap. A plane is swept as flat runs of vectors:
/// its first row without the taps above, the rows between as one run, its last row without the taps below. Where a
/// flat offset would read the neighbouring row instead of the padding (left taps in column 0, right taps in column
/// W - 1), a per-column mask zeroes the value. The four positions whose vectors would read outside the plane's memory,
/// (0, 0), (1, 0), (H - 2, W - 1) and (H - 1, W - 1), are computed one at a time. Each run is swept on the widest
/// vectors that fit in it: on MobileNetV2's 14x14 planes the rows between take Vector512 and the first and last rows
/// Vector256 (those layers 1.1-1.3x faster than on Vector256 throughout). Each output is the bias plus its taps in
/// kernel order, then the activation.
/// </summary>
internal sealed class Depthwise3x3 : IDepthwiseKernel
{
    private readonly int _height, _width;
    private readonly float[] _notFirstColumn, _notLastColumn;

    /// <summary>The kernel for <paramref name="height"/> x <paramref name="width"/> planes (see <see cref="Fits"/>).</summary>
    public Depthwise3x3(int height, int width)
    {
        (_height, _width) = (height, width);
        int length = width + SimdWidth.MaxFloats;
        _notFirstColumn = new float[length];
        _notLastColumn = new float[length];
        for (int t = 0; t < length; t++)
        {
            _notFirstColumn[t] = t % width == 0 ? 0f : 1f;
            _notLastColumn[t] = t % width == width - 1 ? 0f : 1f;
        }
    }

    /// <summary>True when a depthwise window of this geometry on <paramref name="height"/> x <paramref name="width"/> planes runs here.</summary>
    public static bool Fits(Window2d w, int height, int width) =>
        w is { KernelHeight: 3, KernelWidth: 3, StrideHeight: 1, StrideWidth: 1, DilationHeight: 1, DilationWidth: 1 }
        && w is { PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1 } && height >= 3 && width >= 3;

    /// <inheritdoc />
    public long ScratchLength => 0;

    /// <inheritdoc />
    public int ChannelBlock => 1;

    /// <inheritdoc />
    public void Run(ReadOnlySpan<float> x, Span<float> y, int channels, int firstChannel, float[] weights, float[] bias, Activation activation, Span<float> scratch)
    {
        int plane = _height * _width;
        if (x.Length < (long)channels * plane || y.Length < (long)channels * plane
            || weights.Length < (firstChannel + channels) * 9L || bias.Length < firstChannel + channels)
        {
            throw new ArgumentException($"Depthwise planes of {channels} channels of {_height}x{_width} need {(long)channels * plane} values.");
        }

        int h = _height, w = _width;
        for (int c = 0; c < channels; c++)
        {
            ref float xp = ref Unsafe.Add(ref MemoryMarshal.GetReference(x), c * (nint)plane);
            ref float yp = ref Unsafe.Add(ref MemoryMarshal.GetReference(y), c * (nint)plane);
            ref float k = ref weights[(firstChannel + c) * 9];
            float b = bias[firstChannel + c];

            // The first row from column 1, rows 1..H-2 from (1, 1) to (H-2, W-2), the last row up to column W-2: the
            // vectors of these runs read only inside the plane.
            Sweep(ref xp, ref yp, ref k, b, activation, 1, w, top: false, bottom: true);
            Sweep(ref xp, ref yp, ref k, b, activation, w + 1, (h - 1) * (nint)w - 1, top: true, bottom: true);
            Sweep(ref xp, ref yp, ref k, b, activation, (h - 1) * (nint)w, plane - 1, top: true, bottom: false);
            ReadOnlySpan<float> taps = weights.AsSpan((firstChannel + c) * 9, 9);
            Unsafe.Add(ref yp, 0) = Window3x3.At(ref xp, h, w, 0, 0, taps, b, activation);
            Unsafe.Add(ref yp, w) = Window3x3.At(ref xp, h, w, 1, 0, taps, b, activation);
            Unsafe.Add(ref yp, (h - 1) * (nint)w - 1) = Window3x3.At(ref xp, h, w, h - 2, w - 1, taps, b, activation);
            Unsafe.Add(ref yp, plane - 1) = Window3x3.At(ref xp, h, w, h - 1, w - 1, taps, b, activation);
        }
    }

    /// <summary>
    /// Output positions [<paramref name="from"/>, <paramref name="to"/>) of one plane, on the widest vectors that fit in
    /// the run, with the taps of the row above (<paramref name="top"/>) and below (<paramref name="bottom"/>).
    /// </summary>
    private void Sweep(ref float xp, ref float yp, ref float k, float b, Activation activation, nint from, nint to, bool top, bool bottom)
    {
        switch (SimdWidth.ForRun((int)(to - from)))
        {
            case 16: Sweep<Simd512, Vector512<float>, Vector512<double>>(ref xp, ref yp, ref k, b, activation, from, to, top, bottom); break;
            case 8: Sweep<Simd256, Vector256<float>, Vector256<double>>(ref xp, ref yp, ref k, b, activation, from, to, top, bottom); break;
            case 4: Sweep<Simd128, Vector128<float>, Vector128<double>>(ref xp, ref yp, ref k, b, activation, from, to, top, bottom); break;
            default: Sweep<SimdScalar, float, double>(ref xp, ref yp, ref k, b, activation, from, to, top, bottom); break;
        }
    }

    /// <summary>
    /// <see cref="Sweep(ref float, ref float, ref float, float, Activation, nint, nint, bool, bool)"/> on vectors of
    /// <typeparamref name="TS"/>: each run ends with a vector that ends at its end.
    /// </summary>
    private void Sweep<TS, TF, TD>(ref float xp, ref float yp, ref float k, float b, Activation activation, nint from, nint to, bool top, bool bottom)
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct
    {
        nint w = _width, count = TS.Count;
        ref float left = ref MemoryMarshal.GetArrayDataReference(_notFirstColumn);
        ref float right = ref MemoryMarshal.GetArrayDataReference(_notLastColumn);
        Window3x3.Broadcast<TS, TF, TD>(ref k, out TF w0, out TF w1, out TF w2, out TF w3, out TF w4, out TF w5, out TF w6, out TF w7, out TF w8);
        TF vb = TS.Broadcast(b), low = TS.Broadcast(activation.Low), high = TS.Broadcast(activation.High);
        for (nint f = from; f < to; f += count)
        {
            nint at = Math.Min(f, to - count);
            nint column = at % w;
            TF l = TS.Load(ref left, column), r = TS.Load(ref right, column);
            TF sum = vb;
            if (top)
            {
                sum = TS.MultiplyAdd(w0, TS.WherePositive(l, TS.Load(ref xp, at - w - 1)), sum);
                sum = TS.MultiplyAdd(w1, TS.Load(ref xp, at - w), sum);
                sum = TS.MultiplyAdd(w2, TS.WherePositive(r, TS.Load(ref xp, at - w + 1)), sum);
            }

            sum = TS.MultiplyAdd(w3, TS.WherePositive(l, TS.Load(ref xp, at - 1)), sum);
            sum = TS.MultiplyAdd(w4, TS.Load(ref xp, at), sum);
            sum = TS.MultiplyAdd(w5, TS.WherePositive(r, TS.Load(ref xp, at + 1)), sum);
            if (bottom)
            {
                sum = TS.MultiplyAdd(w6, TS.WherePositive(l, TS.Load(ref xp, at + w - 1)), sum);
                sum = TS.MultiplyAdd(w7, TS.Load(ref xp, at + w), sum);
                sum = TS.MultiplyAdd(w8, TS.WherePositive(r, TS.Load(ref xp, at + w + 1)), sum);
            }

            TS.Store(activation.IsSet ? TS.Min(TS.Max(sum, low), high) : sum, ref yp, at);
        }
    }
}
