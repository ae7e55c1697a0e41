using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NativeBn.Kernels;

/// <summary>
/// The backward pass of one group of a convolution for one sample, on the input laid out by <see cref="PhaseLayout"/>
/// (the layout the forward GEMM reads): <see cref="Prepare"/> writes the sample's unit, the phase copy of its input
/// and its output gradient spread to the GEMM's columns (zeros in the dropped columns); the weight gradient of tap k is
/// then a dot product of each output channel's gradient row with the copy at <c>Taps[k]</c>
/// (<see cref="AccumulateWeights"/>, any range of output channels, each channel's sums the same bits whatever the range),
/// and the input gradient is the weighted rows added back at the same offsets, then gathered from the phase copy to
/// <c>[C, H, W]</c> (<see cref="InputGradient"/>). Sums run in a fixed order per sample. Rows are whole panels of
/// <see cref="PackedGemm.Panel"/> = two vectors of the width in use, so the loops need no scalar tails.
/// </summary>
internal static class ConvolutionGradients
{
    /// <summary>Floats of one sample's unit for a group of <paramref name="outputs"/> channels: the phase copy, then the spread gradient.</summary>
    public static long UnitLength(PhaseLayout layout, int outputs) => layout.CopyLength + (long)outputs * layout.Columns;

    /// <summary>
    /// Writes the sample's unit: <paramref name="x"/> <c>[C, H, W]</c> split into the phase copy and
    /// <paramref name="outputGradient"/> <c>[M, OH, OW]</c> spread to rows of <see cref="PhaseLayout.Columns"/>.
    /// </summary>
    /// <param name="layout">The group's phase layout.</param>
    /// <param name="x">The group's input <c>[C, H, W]</c>.</param>
    /// <param name="outputGradient">The group's output gradient <c>[M, OH, OW]</c>.</param>
    /// <param name="unit"><see cref="UnitLength"/> floats.</param>
    public static void Prepare(PhaseLayout layout, ReadOnlySpan<float> x, ReadOnlySpan<float> outputGradient, Span<float> unit)
    {
        int outputs = outputGradient.Length / (layout.OutputHeight * layout.OutputWidth), columns = layout.Columns;
        layout.Split(x, unit[..layout.CopyLength], readPhasesOnly: false);
        Span<float> spread = unit.Slice(layout.CopyLength, outputs * columns);
        spread.Clear();
        for (int m = 0; m < outputs; m++)
        {
            for (int i = 0; i < layout.OutputHeight; i++)
            {
                outputGradient.Slice((m * layout.OutputHeight + i) * layout.OutputWidth, layout.OutputWidth)
                    .CopyTo(spread.Slice(m * columns + i * layout.PhaseWidth));
            }
        }
    }

    /// <summary>
    /// Adds the weight gradient of output channels [<paramref name="first"/>, <paramref name="first"/> + <paramref name="count"/>)
    /// of a prepared unit to <paramref name="weightGradient"/>, those channels' rows <c>[count, depth]</c>.
    /// </summary>
    public static void AccumulateWeights(PhaseLayout layout, ReadOnlySpan<float> unit, int first, int count, Span<float> weightGradient)
    {
        ReadOnlySpan<float> copy = unit[..layout.CopyLength];
        ReadOnlySpan<float> spread = unit.Slice(layout.CopyLength + first * layout.Columns, count * layout.Columns);
        switch (SimdWidth.MaxFloats)
        {
            case 16: WeightGradient<Simd512, Vector512<float>, Vector512<double>>(layout, copy, spread, count, weightGradient); break;
            case 8: WeightGradient<Simd256, Vector256<float>, Vector256<double>>(layout, copy, spread, count, weightGradient); break;
            case 4: WeightGradient<Simd128, Vector128<float>, Vector128<double>>(layout, copy, spread, count, weightGradient); break;
            default: WeightGradient<SimdScalar, float, double>(layout, copy, spread, count, weightGradient); break;
        }
    }

    /// <summary>Writes the input gradient <c>[C, H, W]</c> of a prepared unit of <paramref name="outputs"/> channels.</summary>
    /// <param name="layout">The group's phase layout.</param>
    /// <param name="unit">The unit <see cref="Prepare"/> wrote.</param>
    /// <param name="weight">The group's weights <c>[M, depth]</c>, depth = C·kH·kW.</param>
    /// <param name="outputs">The group's output channels M.</param>
    /// <param name="back">Scratch of <see cref="PhaseLayout.CopyLength"/> floats.</param>
    /// <param name="inputGradient">Receives <c>[C, H, W]</c>.</param>
    public static void InputGradient(
        PhaseLayout layout, ReadOnlySpan<float> unit, ReadOnlySpan<float> weight, int outputs, Span<float> back, Span<float> inputGradient)
    {
        ReadOnlySpan<float> spread = unit.Slice(layout.CopyLength, outputs * layout.Columns);
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
    /// <c>back[Taps[k] + j] += Σ_m weight[m, k]·spread[m, j]</c>, each sum taking the output channels' terms in channel
    /// order (one fused multiply-add each): eight channels at a time, their weights for the tap broadcast once, each vector
    /// of the tap's row loaded, given the eight terms and stored (the sum carries on through memory to the next eight),
    /// then the channels left over one at a time.
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
            int m = 0;
            for (; m + 8 <= outputs; m += 8)
            {
                ref float w = ref Unsafe.Add(ref rw, m * depth + k);
                TF w0 = TS.Broadcast(w), w1 = TS.Broadcast(Unsafe.Add(ref w, depth)), w2 = TS.Broadcast(Unsafe.Add(ref w, 2 * depth));
                TF w3 = TS.Broadcast(Unsafe.Add(ref w, 3 * depth)), w4 = TS.Broadcast(Unsafe.Add(ref w, 4 * depth));
                TF w5 = TS.Broadcast(Unsafe.Add(ref w, 5 * depth)), w6 = TS.Broadcast(Unsafe.Add(ref w, 6 * depth));
                TF w7 = TS.Broadcast(Unsafe.Add(ref w, 7 * depth));
                ref float r0 = ref Unsafe.Add(ref rs, m * columns);
                ref float r1 = ref Unsafe.Add(ref r0, columns);
                ref float r2 = ref Unsafe.Add(ref r1, columns);
                ref float r3 = ref Unsafe.Add(ref r2, columns);
                ref float r4 = ref Unsafe.Add(ref r3, columns);
                ref float r5 = ref Unsafe.Add(ref r4, columns);
                ref float r6 = ref Unsafe.Add(ref r5, columns);
                ref float r7 = ref Unsafe.Add(ref r6, columns);
                for (int i = 0; i < columns; i += TS.Count)
                {
                    TF sum = TS.MultiplyAdd(w0, TS.Load(ref r0, i), TS.Load(ref target, i));
                    sum = TS.MultiplyAdd(w1, TS.Load(ref r1, i), sum);
                    sum = TS.MultiplyAdd(w2, TS.Load(ref r2, i), sum);
                    sum = TS.MultiplyAdd(w3, TS.Load(ref r3, i), sum);
                    sum = TS.MultiplyAdd(w4, TS.Load(ref r4, i), sum);
                    sum = TS.MultiplyAdd(w5, TS.Load(ref r5, i), sum);
                    sum = TS.MultiplyAdd(w6, TS.Load(ref r6, i), sum);
                    sum = TS.MultiplyAdd(w7, TS.Load(ref r7, i), sum);
                    TS.Store(sum, ref target, i);
                }
            }

            for (; m < outputs; m++)
            {
                TF w = TS.Broadcast(Unsafe.Add(ref rw, m * depth + k));
                ref float r = ref Unsafe.Add(ref rs, m * columns);
                for (int i = 0; i < columns; i += TS.Count)
                {
                    TS.Store(TS.MultiplyAdd(w, TS.Load(ref r, i), TS.Load(ref target, i)), ref target, i);
                }
            }
        }
    }
}
