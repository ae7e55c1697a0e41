using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NativeBn.Kernels;

/// <summary>
/// Dense-layer arithmetic on row-major matrices, SIMD across the contiguous (input) axis at the widest width that
/// fits, with a scalar remainder: <c>y = x·Wᵀ + b</c> and the two gradients. Weights are <c>[outputs, inputs]</c>
/// (PyTorch's <c>Linear.weight</c> layout). Results are deterministic for a given SIMD width.
/// </summary>
internal static class DenseKernels
{
    /// <summary><c>y[n, o] = b[o] + Σ_i x[n, i]·w[o, i]</c>; x <c>[rows, inputs]</c>, y <c>[rows, outputs]</c>.</summary>
    public static void Forward(
        ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y, int rows, int inputs, int outputs)
    {
        switch (SimdWidth.ForRun(inputs))
        {
            case 16: Forward<Simd512, Vector512<float>, Vector512<double>>(x, w, b, y, rows, inputs, outputs); break;
            case 8: Forward<Simd256, Vector256<float>, Vector256<double>>(x, w, b, y, rows, inputs, outputs); break;
            case 4: Forward<Simd128, Vector128<float>, Vector128<double>>(x, w, b, y, rows, inputs, outputs); break;
            default: Forward<SimdScalar, float, double>(x, w, b, y, rows, inputs, outputs); break;
        }
    }

    /// <summary>
    /// <c>result[r, i] = Σ_k coefficient(r, k)·m[k, i]</c> with <c>coefficient(r, k) = c[r·rowStride + k·columnStride]</c>,
    /// m <c>[depth, columns]</c> and result <c>[resultRows, columns]</c> (written, not accumulated). With
    /// <c>c = dy</c> it gives both dense gradients: <c>dW = dyᵀ·x</c> and <c>dx = dy·W</c>.
    /// </summary>
    public static void Combine(
        ReadOnlySpan<float> c, int rowStride, int columnStride, ReadOnlySpan<float> m, int depth, int columns,
        Span<float> result, int resultRows)
    {
        switch (SimdWidth.ForRun(columns))
        {
            case 16: Combine<Simd512, Vector512<float>, Vector512<double>>(c, rowStride, columnStride, m, depth, columns, result, resultRows); break;
            case 8: Combine<Simd256, Vector256<float>, Vector256<double>>(c, rowStride, columnStride, m, depth, columns, result, resultRows); break;
            case 4: Combine<Simd128, Vector128<float>, Vector128<double>>(c, rowStride, columnStride, m, depth, columns, result, resultRows); break;
            default: Combine<SimdScalar, float, double>(c, rowStride, columnStride, m, depth, columns, result, resultRows); break;
        }
    }

    private static void Forward<TS, TF, TD>(
        ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y, int rows, int inputs, int outputs)
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct
    {
        ref float rx = ref MemoryMarshal.GetReference(x);
        ref float rw = ref MemoryMarshal.GetReference(w);
        for (int n = 0; n < rows; n++)
        {
            ref float row = ref Unsafe.Add(ref rx, (nint)n * inputs);
            int o = 0;
            for (; o + 4 <= outputs; o += 4)
            {
                ref float w0 = ref Unsafe.Add(ref rw, (nint)o * inputs);
                Dot4<TS, TF, TD>(ref row, ref w0, inputs, out float d0, out float d1, out float d2, out float d3);
                y[n * outputs + o] = b[o] + d0;
                y[n * outputs + o + 1] = b[o + 1] + d1;
                y[n * outputs + o + 2] = b[o + 2] + d2;
                y[n * outputs + o + 3] = b[o + 3] + d3;
            }

            for (; o < outputs; o++)
            {
                y[n * outputs + o] = b[o] + Dot<TS, TF, TD>(ref row, ref Unsafe.Add(ref rw, (nint)o * inputs), inputs);
            }
        }
    }

    /// <summary>Dot products of one row with four consecutive weight rows, sharing the row's loads.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Dot4<TS, TF, TD>(ref float x, ref float w, int length, out float d0, out float d1, out float d2, out float d3)
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct
    {
        nint stride = length;
        TF a0 = TS.Zero, a1 = TS.Zero, a2 = TS.Zero, a3 = TS.Zero;
        int count = TS.Count;
        int i = 0;
        for (; i + count <= length; i += count)
        {
            TF v = TS.Load(ref x, i);
            a0 = TS.MultiplyAdd(v, TS.Load(ref w, i), a0);
            a1 = TS.MultiplyAdd(v, TS.Load(ref w, stride + i), a1);
            a2 = TS.MultiplyAdd(v, TS.Load(ref w, 2 * stride + i), a2);
            a3 = TS.MultiplyAdd(v, TS.Load(ref w, 3 * stride + i), a3);
        }

        d0 = TS.Sum(a0);
        d1 = TS.Sum(a1);
        d2 = TS.Sum(a2);
        d3 = TS.Sum(a3);
        for (; i < length; i++)
        {
            float v = Unsafe.Add(ref x, i);
            d0 += v * Unsafe.Add(ref w, i);
            d1 += v * Unsafe.Add(ref w, stride + i);
            d2 += v * Unsafe.Add(ref w, 2 * stride + i);
            d3 += v * Unsafe.Add(ref w, 3 * stride + i);
        }
    }

    private static float Dot<TS, TF, TD>(ref float x, ref float w, int length)
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct
    {
        TF a = TS.Zero;
        int i = 0;
        for (; i + TS.Count <= length; i += TS.Count)
        {
            a = TS.MultiplyAdd(TS.Load(ref x, i), TS.Load(ref w, i), a);
        }

        float d = TS.Sum(a);
        for (; i < length; i++)
        {
            d += Unsafe.Add(ref x, i) * Unsafe.Add(ref w, i);
        }

        return d;
    }

    private static void Combine<TS, TF, TD>(
        ReadOnlySpan<float> c, int rowStride, int columnStride, ReadOnlySpan<float> m, int depth, int columns,
        Span<float> result, int resultRows)
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct
    {
        ref float rm = ref MemoryMarshal.GetReference(m);
        ref float rr = ref MemoryMarshal.GetReference(result);
        int count = TS.Count;
        int full = columns - columns % count;
        for (int r = 0; r < resultRows; r++)
        {
            ref float output = ref Unsafe.Add(ref rr, (nint)r * columns);
            for (int i = 0; i < full; i += count)
            {
                TF a = TS.Zero;
                for (int k = 0; k < depth; k++)
                {
                    a = TS.MultiplyAdd(TS.Broadcast(c[r * rowStride + k * columnStride]), TS.Load(ref rm, (nint)k * columns + i), a);
                }

                TS.Store(a, ref output, i);
            }

            for (int i = full; i < columns; i++)
            {
                float a = 0;
                for (int k = 0; k < depth; k++)
                {
                    a += c[r * rowStride + k * columnStride] * Unsafe.Add(ref rm, (nint)k * columns + i);
                }

                Unsafe.Add(ref output, i) = a;
            }
        }
    }
}
