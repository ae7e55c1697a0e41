using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using NativeBn.Model;

namespace NativeBn.Kernels;

/// <summary>
/// Max pooling over 3x3 windows with stride 2 and one value of padding on every side (floor mode), on planes of even
/// height and width: ResNet's pooling after the stem, from the input planes straight into the output planes. Output
/// (i, j) is the largest of input rows <c>2i - 1</c> to <c>2i + 1</c> and columns <c>2j - 1</c> to <c>2j + 1</c> that
/// fall inside the plane (NaN if any of them is NaN): for a vector of outputs, the rows' vectors loaded from one column
/// before <c>2j</c> and from column <c>2j</c> are reduced to their largest values lane by lane, then the three columns
/// are the even and odd lanes of the first pair and the odd lanes of the second (<see cref="IEvenOdd{TF}"/>, AVX-512;
/// the same geometry as <see cref="Depthwise3x3Stride2"/>). Column 0, whose left column is padding, is computed one
/// value at a time. A maximum does not depend on the order of its operands, so the result is the same as any other
/// max pooling's. The input rows of the output row <see cref="RowsAhead"/> ahead are prefetched while one is computed.
/// </summary>
internal sealed class MaxPool3x3Stride2(int height, int width)
{
    /// <summary>
    /// Output rows ahead of the one being computed whose two new input rows are prefetched: the input (ResNet-18's stem
    /// output, 3.2 MB) is past the L2, and the hardware prefetcher restarts at every 4 KiB page (about 9 rows of 112).
    /// Measured on ResNet-18 (Intel Xeon, AVX-512, one thread): 1, 2, 4 and 8 rows all made the pooling 1.24-1.44x
    /// faster; prefetching the output rows as well changed nothing.
    /// </summary>
    private const int RowsAhead = 4;

    private readonly int _outputHeight = height / 2, _outputWidth = width / 2;

    /// <summary>True when max pooling over <paramref name="window"/> on <paramref name="height"/> x <paramref name="width"/> planes runs here on this CPU.</summary>
    public static bool Fits(Window2d window, int height, int width, bool ceilMode) => !ceilMode && Depthwise3x3Stride2.Fits(window, height, width);

    /// <summary>The <paramref name="channels"/> planes of <paramref name="x"/> <c>[channels, H, W]</c> into <paramref name="y"/> <c>[channels, H/2, W/2]</c>.</summary>
    public void Run(ReadOnlySpan<float> x, Span<float> y, int channels)
    {
        if (x.Length < (long)channels * height * width || y.Length < (long)channels * _outputHeight * _outputWidth)
        {
            throw new ArgumentException($"Max pooling of {channels} channels of {height}x{width} needs {(long)channels * height * width} inputs and {(long)channels * _outputHeight * _outputWidth} outputs.");
        }

        switch (SimdWidth.ForRun(_outputWidth - 1))
        {
            case 16: Run<Simd512, Vector512<float>, Vector512<double>, Lanes16>(x, y, channels); break;
            case 8: Run<Simd256, Vector256<float>, Vector256<double>, Lanes8>(x, y, channels); break;
            default: Run<Simd128, Vector128<float>, Vector128<double>, Lanes4>(x, y, channels); break;
        }
    }

    private unsafe void Run<TS, TF, TD, TL>(ReadOnlySpan<float> x, Span<float> y, int channels)
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct
        where TL : IEvenOdd<TF>
    {
        nint w = width, ow = _outputWidth, count = TS.Count;
        nint plane = (nint)height * width, outputPlane = (nint)_outputHeight * _outputWidth, inputs = (nint)channels * plane;
        fixed (float* origin = x)
        {
            for (int c = 0; c < channels; c++)
            {
                ref float xp = ref Unsafe.Add(ref MemoryMarshal.GetReference(x), c * plane);
                ref float yp = ref Unsafe.Add(ref MemoryMarshal.GetReference(y), c * outputPlane);
                for (nint i = 0; i < _outputHeight; i++)
                {
                    nint middle = 2 * i * w, top = i > 0 ? middle - w : middle, ahead = c * plane + middle + 2 * RowsAhead * w;
                    if (ahead + 2 * w <= inputs)
                    {
                        Prefetch.Lines(origin + ahead, 2 * w);
                    }

                    for (nint j = 1; j < ow; j += count)
                    {
                        nint column = 2 * Math.Min(j, ow - count);
                        TF a = Rows<TS, TF, TD>(ref xp, top, middle, w, column - 1), b = Rows<TS, TF, TD>(ref xp, top, middle, w, column - 1 + count);
                        TF e = Rows<TS, TF, TD>(ref xp, top, middle, w, column), f = Rows<TS, TF, TD>(ref xp, top, middle, w, column + count);
                        TS.Store(TS.Max(TS.Max(TL.Even(a, b), TL.Odd(a, b)), TL.Odd(e, f)), ref yp, i * ow + column / 2);
                    }

                    float first = Math.Max(Math.Max(Unsafe.Add(ref xp, top), Unsafe.Add(ref xp, top + 1)), Math.Max(Unsafe.Add(ref xp, middle), Unsafe.Add(ref xp, middle + 1)));
                    Unsafe.Add(ref yp, i * ow) = Math.Max(first, Math.Max(Unsafe.Add(ref xp, middle + w), Unsafe.Add(ref xp, middle + w + 1)));
                }
            }
        }
    }

    /// <summary>
    /// Lane by lane, the largest of the vectors at <paramref name="column"/> of the rows starting at <paramref name="top"/>,
    /// <paramref name="middle"/> and <paramref name="middle"/> + <paramref name="w"/> (the top row is the middle one where it is padding).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TF Rows<TS, TF, TD>(ref float x, nint top, nint middle, nint w, nint column)
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct =>
        TS.Max(TS.Max(TS.Load(ref x, top + column), TS.Load(ref x, middle + column)), TS.Load(ref x, middle + w + column));
}
