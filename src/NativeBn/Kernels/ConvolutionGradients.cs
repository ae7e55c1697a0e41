using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NativeBn.Kernels;

/// <summary>
/// The backward pass of one group of a convolution for one sample, on the input laid out by <see cref="PhaseLayout"/>
/// (the layout the forward GEMM reads): with the output gradient spread to the GEMM's columns (zeros in the dropped
/// columns), the weight gradient of tap k is a dot product of each output channel's gradient row with the copy at
/// <c>Taps[k]</c>, and the input gradient is the weighted rows added back at the same offsets, then gathered from the
/// phase copy to <c>[C, H, W]</c>. Sums run in a fixed order per sample. Rows are whole panels of
/// <see cref="PackedGemm.Panel"/> = two vectors of the width in use, so the loops need no scalar tails.
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
        int outputs = outputGradient.Length / (layout.OutputHeight * layout.OutputWidth), columns = layout.Columns;
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

        switch (SimdWidth.MaxFloats)
        {
            case 16: WeightGradient<Simd512, Vector512<float>, Vector512<double>>(layout, copy, spread, outputs, weightGradient); break;
            case 8: WeightGradient<Simd256, Vector256<float>, Vector256<double>>(layout, copy, spread, outputs, weightGradient); break;
            case 4: WeightGradient<Simd128, Vector128<float>, Vector128<double>>(layout, copy, spread, outputs, weightGradient); break;
            default: WeightGradient<SimdScalar, float, double>(layout, copy, spread, outputs, weightGradient); break;
        }

        if (inputGradient.IsEmpty)
        {
            return;
        }

        Span<float> back = scratch.Slice(layout.CopyLength + outputs * columns, layout.CopyLength);
        back.Clear();
        switch (SimdWidth.MaxFloats)
        {
            case 16: InputGradient<Simd512, Vector512<float>, Vector512<double>>(layout, spread, weight, outputs, back); break;
            case 8: InputGradient<Simd256, Vector256<float>, Vector256<double>>(layout, spread, weight, outputs, back); break;
            case 4: InputGradient<Simd128, Vector128<float>, Vector128<double>>(layout, spread, weight, outputs, back); break;
            default: InputGradient<SimdScalar, float, double>(layout, spread, weight, outputs, back); break;
        }

        layout.Gather(back, inputGradient);
    }

    /// <summary>
    /// <c>weightGradient[m, k] += Σ spread[m, j]·copy[Taps[k] + j]</c>, four output channels at a time so that each
    /// tap's row is loaded once per four channels. Each sum runs over whole vectors in two interleaved partial sums
    /// (even and odd vectors), added and reduced in the fixed lane order of <c>TS.Sum</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WeightGradient<TS, TF, TD>(PhaseLayout layout, ReadOnlySpan<float> copy, ReadOnlySpan<float> spread, int outputs, Span<float> weightGradient)
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct
    {
        int columns = layout.Columns, depth = layout.Taps.Length;
        ref float rs = ref MemoryMarshal.GetReference(spread);
        for (int k = 0; k < depth; k++)
        {
            ref float rb = ref MemoryMarshal.GetReference(copy.Slice(layout.Taps[k], columns));
            int m = 0;
            for (; m + 4 <= outputs; m += 4)
            {
                ref float r0 = ref Unsafe.Add(ref rs, m * columns);
                ref float r1 = ref Unsafe.Add(ref r0, columns);
                ref float r2 = ref Unsafe.Add(ref r1, columns);
                ref float r3 = ref Unsafe.Add(ref r2, columns);
                TF even0 = TS.Zero, odd0 = TS.Zero, even1 = TS.Zero, odd1 = TS.Zero;
                TF even2 = TS.Zero, odd2 = TS.Zero, even3 = TS.Zero, odd3 = TS.Zero;
                for (int i = 0; i < columns; i += 2 * TS.Count)
                {
                    TF b0 = TS.Load(ref rb, i), b1 = TS.Load(ref rb, i + TS.Count);
                    even0 = TS.MultiplyAdd(TS.Load(ref r0, i), b0, even0);
                    odd0 = TS.MultiplyAdd(TS.Load(ref r0, i + TS.Count), b1, odd0);
                    even1 = TS.MultiplyAdd(TS.Load(ref r1, i), b0, even1);
                    odd1 = TS.MultiplyAdd(TS.Load(ref r1, i + TS.Count), b1, odd1);
                    even2 = TS.MultiplyAdd(TS.Load(ref r2, i), b0, even2);
                    odd2 = TS.MultiplyAdd(TS.Load(ref r2, i + TS.Count), b1, odd2);
                    even3 = TS.MultiplyAdd(TS.Load(ref r3, i), b0, even3);
                    odd3 = TS.MultiplyAdd(TS.Load(ref r3, i + TS.Count), b1, odd3);
                }

                weightGradient[m * depth + k] += TS.Sum(TS.Add(even0, odd0));
                weightGradient[(m + 1) * depth + k] += TS.Sum(TS.Add(even1, odd1));
                weightGradient[(m + 2) * depth + k] += TS.Sum(TS.Add(even2, odd2));
                weightGradient[(m + 3) * depth + k] += TS.Sum(TS.Add(even3, odd3));
            }

            for (; m < outputs; m++)
            {
                ref float r0 = ref Unsafe.Add(ref rs, m * columns);
                TF even = TS.Zero, odd = TS.Zero;
                for (int i = 0; i < columns; i += 2 * TS.Count)
                {
                    even = TS.MultiplyAdd(TS.Load(ref r0, i), TS.Load(ref rb, i), even);
                    odd = TS.MultiplyAdd(TS.Load(ref r0, i + TS.Count), TS.Load(ref rb, i + TS.Count), odd);
                }

                weightGradient[m * depth + k] += TS.Sum(TS.Add(even, odd));
            }
        }
    }

    /// <summary>
    /// <c>back[Taps[k] + j] += Σ_m weight[m, k]·spread[m, j]</c>: each vector of a tap's row is loaded once, takes
    /// every output channel's term in channel order (one fused multiply-add each), and is stored once.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void InputGradient<TS, TF, TD>(PhaseLayout layout, ReadOnlySpan<float> spread, ReadOnlySpan<float> weight, int outputs, Span<float> back)
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct
    {
        int columns = layout.Columns, depth = layout.Taps.Length;
        ref float rs = ref MemoryMarshal.GetReference(spread);
        ref float rw = ref MemoryMarshal.GetReference(weight);
        for (int k = 0; k < depth; k++)
        {
            ref float target = ref MemoryMarshal.GetReference(back.Slice(layout.Taps[k], columns));
            for (int i = 0; i < columns; i += TS.Count)
            {
                TF sum = TS.Load(ref target, i);
                for (int m = 0; m < outputs; m++)
                {
                    sum = TS.MultiplyAdd(TS.Broadcast(Unsafe.Add(ref rw, m * depth + k)), TS.Load(ref rs, m * columns + i), sum);
                }

                TS.Store(sum, ref target, i);
            }
        }
    }
}
