using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NativeBn.Kernels;

/// <summary>
/// The backward pass of one group of a convolution for one sample, on the input laid out by <see cref="PhaseLayout"/>
/// (the layout the forward GEMM reads): with the output gradient spread to the GEMM's columns (zeros in the dropped
/// columns), the weight gradient of tap k is a dot product of each output channel's gradient row with the copy at
/// <c>Taps[k]</c>, and the input gradient is the weighted rows added back at the same offsets, then gathered from the
/// phase copy to <c>[C, H, W]</c>. Sums run in a fixed order per sample.
/// </summary>
internal static class ConvolutionGradients
{
    /// <summary>Floats of scratch <see cref="Accumulate"/> needs for a group of <paramref name="outputs"/> channels.</summary>
    public static long ScratchLength(PhaseLayout layout, int outputs) => 2L * layout.CopyLength + (long)outputs * layout.Columns;

    /// <summary>
    /// Adds this sample's weight gradient to <paramref name="weightGradient"/> <c>[M, depth]</c> and writes the input
    /// gradient <c>[C, H, W]</c> to <paramref name="inputGradient"/> (skipped when empty).
    /// </summary>
    /// <param name="layout">The group's phase layout.</param>
    /// <param name="x">The group's input <c>[C, H, W]</c>.</param>
    /// <param name="outputGradient">The group's output gradient <c>[M, OH, OW]</c>.</param>
    /// <param name="weight">The group's weights <c>[M, depth]</c>, depth = C·kH·kW.</param>
    /// <param name="weightGradient">Accumulates <c>[M, depth]</c>.</param>
    /// <param name="inputGradient">Receives <c>[C, H, W]</c>, or empty.</param>
    /// <param name="scratch">At least <see cref="ScratchLength"/> floats.</param>
    public static void Accumulate(
        PhaseLayout layout, ReadOnlySpan<float> x, ReadOnlySpan<float> outputGradient, ReadOnlySpan<float> weight,
        Span<float> weightGradient, Span<float> inputGradient, Span<float> scratch)
    {
        int outputs = outputGradient.Length / (layout.OutputHeight * layout.OutputWidth), columns = layout.Columns, depth = layout.Taps.Length;
        Span<float> copy = scratch[..layout.CopyLength];
        Span<float> spread = scratch.Slice(layout.CopyLength, outputs * columns);
        layout.Split(x, copy, readPhasesOnly: false);
        spread.Clear();
        for (int m = 0; m < outputs; m++)
        {
            for (int i = 0; i < layout.OutputHeight; i++)
            {
                outputGradient.Slice((m * layout.OutputHeight + i) * layout.OutputWidth, layout.OutputWidth)
                    .CopyTo(spread.Slice(m * columns + i * layout.PhaseWidth));
            }
        }

        for (int k = 0; k < depth; k++)
        {
            ReadOnlySpan<float> b = copy.Slice(layout.Taps[k], columns);
            for (int m = 0; m < outputs; m++)
            {
                weightGradient[m * depth + k] += Dot(spread.Slice(m * columns, columns), b);
            }
        }

        if (inputGradient.IsEmpty)
        {
            return;
        }

        Span<float> back = scratch.Slice(layout.CopyLength + outputs * columns, layout.CopyLength);
        back.Clear();
        for (int k = 0; k < depth; k++)
        {
            Span<float> target = back.Slice(layout.Taps[k], columns);
            for (int m = 0; m < outputs; m++)
            {
                AddScaled(target, weight[m * depth + k], spread.Slice(m * columns, columns));
            }
        }

        layout.Gather(back, inputGradient);
    }

    private static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b) => SimdWidth.MaxFloats switch
    {
        16 => Dot<Simd512, Vector512<float>, Vector512<double>>(a, b),
        8 => Dot<Simd256, Vector256<float>, Vector256<double>>(a, b),
        4 => Dot<Simd128, Vector128<float>, Vector128<double>>(a, b),
        _ => Dot<SimdScalar, float, double>(a, b),
    };

    private static void AddScaled(Span<float> y, float a, ReadOnlySpan<float> x)
    {
        switch (SimdWidth.MaxFloats)
        {
            case 16: AddScaled<Simd512, Vector512<float>, Vector512<double>>(y, a, x); break;
            case 8: AddScaled<Simd256, Vector256<float>, Vector256<double>>(y, a, x); break;
            case 4: AddScaled<Simd128, Vector128<float>, Vector128<double>>(y, a, x); break;
            default: AddScaled<SimdScalar, float, double>(y, a, x); break;
        }
    }

    /// <summary>Σ a[i]·b[i] over whole vectors (lengths are multiples of a panel), in two interleaved partial sums.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float Dot<TS, TF, TD>(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct
    {
        ref float ra = ref MemoryMarshal.GetReference(a);
        ref float rb = ref MemoryMarshal.GetReference(b);
        TF even = TS.Zero, odd = TS.Zero;
        int i = 0;
        for (; i + 2 * TS.Count <= a.Length; i += 2 * TS.Count)
        {
            even = TS.MultiplyAdd(TS.Load(ref ra, i), TS.Load(ref rb, i), even);
            odd = TS.MultiplyAdd(TS.Load(ref ra, i + TS.Count), TS.Load(ref rb, i + TS.Count), odd);
        }

        float sum = TS.Sum(TS.Add(even, odd));
        for (; i < a.Length; i++)
        {
            sum += Unsafe.Add(ref ra, i) * Unsafe.Add(ref rb, i);
        }

        return sum;
    }

    /// <summary><c>y += a·x</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AddScaled<TS, TF, TD>(Span<float> y, float a, ReadOnlySpan<float> x)
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct
    {
        ref float rx = ref MemoryMarshal.GetReference(x);
        ref float ry = ref MemoryMarshal.GetReference(y);
        TF scale = TS.Broadcast(a);
        int i = 0;
        for (; i + TS.Count <= y.Length; i += TS.Count)
        {
            TS.Store(TS.MultiplyAdd(scale, TS.Load(ref rx, i), TS.Load(ref ry, i)), ref ry, i);
        }

        for (; i < y.Length; i++)
        {
            Unsafe.Add(ref ry, i) += a * Unsafe.Add(ref rx, i);
        }
    }
}
