using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NativeBn.Kernels;

/// <summary>
/// Global average pooling <c>[C, positions]</c>: each channel's mean, summed in double. Each vector lane sums the
/// positions at its lane in order, the lanes are added together, then the positions past the last whole vector in order:
/// the order depends only on the number of positions and the SIMD width, never on the batch a sample arrives in.
/// </summary>
internal static class GlobalPooling
{
    /// <summary>The mean of each of <paramref name="channels"/> runs of <paramref name="positions"/> floats of <paramref name="x"/>, into <paramref name="y"/>.</summary>
    public static void Average(ReadOnlySpan<float> x, int channels, int positions, Span<float> y)
    {
        if (x.Length < (long)channels * positions || y.Length < channels)
        {
            throw new ArgumentException($"Pooling {channels} channels of {positions} positions needs {(long)channels * positions} inputs and {channels} outputs.");
        }

        switch (SimdWidth.MaxFloats)
        {
            case 16: Average<Simd512, Vector512<float>, Vector512<double>>(x, channels, positions, y); break;
            case 8: Average<Simd256, Vector256<float>, Vector256<double>>(x, channels, positions, y); break;
            case 4: Average<Simd128, Vector128<float>, Vector128<double>>(x, channels, positions, y); break;
            default: Average<SimdScalar, float, double>(x, channels, positions, y); break;
        }
    }

    private static void Average<TS, TF, TD>(ReadOnlySpan<float> x, int channels, int positions, Span<float> y)
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct
    {
        nint count = TS.Count, whole = positions / count * count;
        ref float rx = ref MemoryMarshal.GetReference(x);
        for (int c = 0; c < channels; c++)
        {
            ref float plane = ref Unsafe.Add(ref rx, (nint)c * positions);
            TD lower = TS.ZeroDouble, upper = TS.ZeroDouble;
            nint j = 0;
            for (; j < whole; j += count)
            {
                TS.LoadWidened(ref plane, j, out TD a, out TD b);
                lower = TS.Add(lower, a);
                upper = TS.Add(upper, b);
            }

            double sum = TS.Sum(TS.Add(lower, upper));
            for (; j < positions; j++)
            {
                sum += Unsafe.Add(ref plane, j);
            }

            y[c] = (float)(sum / positions);
        }
    }
}
