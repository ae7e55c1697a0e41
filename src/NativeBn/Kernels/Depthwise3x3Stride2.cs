using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using NativeBn.Model;

namespace NativeBn.Kernels;

/// <summary>
/// Depthwise 3x3 convolution with stride 2, no dilation and one value of zero padding on every side, on planes of even
/// height and width (the downsampling layers of MobileNet-style networks), from the input planes straight into the
/// output planes. Output (i, j) reads input columns <c>2j - 1</c>, <c>2j</c>, <c>2j + 1</c> of rows <c>2i - 1</c> to
/// <c>2i + 1</c>: for a vector of outputs, two vectors loaded from one column before <c>2j</c> hold the first two taps'
/// inputs in their even and odd lanes, and two loaded from column <c>2j</c> hold the third tap's in their odd lanes (no
/// load reaches past the row's last value), taken apart with one two-source permute each (AVX-512; other instruction sets use <see cref="SlidingWindow"/>).
/// Column 0, whose left tap is padding, is computed one value at a time. Each output is the bias plus its taps in
/// kernel order, then the activation.
/// </summary>
internal sealed class Depthwise3x3Stride2(int height, int width) : IDepthwiseKernel
{
    private readonly int _outputHeight = height / 2, _outputWidth = width / 2;

    /// <summary>True when a depthwise window of this geometry on <paramref name="height"/> x <paramref name="width"/> planes runs here on this CPU.</summary>
    public static bool Fits(Window2d w, int height, int width) =>
        w is { KernelHeight: 3, KernelWidth: 3, StrideHeight: 2, StrideWidth: 2, DilationHeight: 1, DilationWidth: 1 }
        && w is { PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1 }
        && height % 2 == 0 && width % 2 == 0 && height >= 2 && VectorFloats(width / 2) > 0;

    /// <summary>Floats per vector for output rows of <paramref name="outputWidth"/>: the widest whose vectors fit after column 0, 0 when none does.</summary>
    private static int VectorFloats(int outputWidth)
    {
        if (!Avx512F.VL.IsSupported)
        {
            return 0;
        }

        int floats = SimdWidth.ForRun(outputWidth - 1);
        return floats >= 4 ? floats : 0;
    }

    /// <inheritdoc />
    public long ScratchLength => 0;

    /// <inheritdoc />
    public int ChannelBlock => 1;

    /// <inheritdoc />
    public void Run(ReadOnlySpan<float> x, Span<float> y, int channels, int firstChannel, float[] weights, float[] bias, Activation activation, Span<float> scratch)
    {
        int plane = height * width, outputPlane = _outputHeight * _outputWidth;
        if (x.Length < (long)channels * plane || y.Length < (long)channels * outputPlane
            || weights.Length < (firstChannel + channels) * 9L || bias.Length < firstChannel + channels)
        {
            throw new ArgumentException($"Depthwise planes of {channels} channels of {height}x{width} need {(long)channels * plane} values.");
        }

        switch (VectorFloats(_outputWidth))
        {
            case 16: Run<Simd512, Vector512<float>, Vector512<double>, Lanes16>(x, y, channels, firstChannel, weights, bias, activation); break;
            case 8: Run<Simd256, Vector256<float>, Vector256<double>, Lanes8>(x, y, channels, firstChannel, weights, bias, activation); break;
            default: Run<Simd128, Vector128<float>, Vector128<double>, Lanes4>(x, y, channels, firstChannel, weights, bias, activation); break;
        }
    }

    private void Run<TS, TF, TD, TL>(ReadOnlySpan<float> x, Span<float> y, int channels, int firstChannel, float[] weights, float[] bias, Activation activation)
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct
        where TL : IEvenOdd<TF>
    {
        nint w = width, ow = _outputWidth, count = TS.Count;
        nint plane = (nint)height * width, outputPlane = (nint)_outputHeight * _outputWidth;
        TF low = TS.Broadcast(activation.Low), high = TS.Broadcast(activation.High);
        for (int c = 0; c < channels; c++)
        {
            ref float xp = ref Unsafe.Add(ref MemoryMarshal.GetReference(x), c * plane);
            ref float yp = ref Unsafe.Add(ref MemoryMarshal.GetReference(y), c * outputPlane);
            Window3x3.Broadcast<TS, TF, TD>(ref weights[(firstChannel + c) * 9], out TF w0, out TF w1, out TF w2, out TF w3, out TF w4, out TF w5, out TF w6, out TF w7, out TF w8);
            float b = bias[firstChannel + c];
            TF vb = TS.Broadcast(b);
            for (nint i = 0; i < _outputHeight; i++)
            {
                nint middle = 2 * i * w;
                for (nint j = 1; j < ow; j += count)
                {
                    nint at = Math.Min(j, ow - count);
                    nint column = 2 * at;
                    TF sum = vb;
                    if (i > 0)
                    {
                        sum = Row<TS, TF, TD, TL>(ref xp, middle - w + column, w0, w1, w2, sum);
                    }

                    sum = Row<TS, TF, TD, TL>(ref xp, middle + column, w3, w4, w5, sum);
                    sum = Row<TS, TF, TD, TL>(ref xp, middle + w + column, w6, w7, w8, sum);
                    TS.Store(activation.IsSet ? TS.Min(TS.Max(sum, low), high) : sum, ref yp, i * ow + at);
                }

                Unsafe.Add(ref yp, i * ow) = Window3x3.At(ref xp, height, width, 2 * (int)i, 0, weights.AsSpan((firstChannel + c) * 9, 9), b, activation);
            }
        }
    }

    /// <summary>One row of taps for a vector of outputs whose middle taps start at input position <paramref name="at"/> (even lanes).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TF Row<TS, TF, TD, TL>(ref float x, nint at, TF left, TF centre, TF right, TF sum)
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct
        where TL : IEvenOdd<TF>
    {
        TF a = TS.Load(ref x, at - 1), b = TS.Load(ref x, at - 1 + TS.Count);
        TF c = TS.Load(ref x, at), d = TS.Load(ref x, at + TS.Count);
        sum = TS.MultiplyAdd(left, TL.Even(a, b), sum);
        sum = TS.MultiplyAdd(centre, TL.Odd(a, b), sum);
        return TS.MultiplyAdd(right, TL.Odd(c, d), sum);
    }
}
