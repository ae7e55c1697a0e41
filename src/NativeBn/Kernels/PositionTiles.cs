using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NativeBn.Kernels;

/// <summary>
/// A convolution whose output rows are 14 positions wide, computed with the output channels along the vectors: the tiles
/// of <see cref="PackedGemm"/> with their operands swapped, so that no work goes to the padding columns of a
/// <see cref="PhaseLayout"/> (with 3x3 taps and padding 1, 16 GEMM columns per output row of 14) and no vector load of
/// the input straddles a cache line. A unit of work is an output row times a block of <see cref="PackedGemm.Panel"/>
/// output channels: one <see cref="GemmTiles.Rows14{TS, TF, TD, TA}"/> tile that broadcasts the row's inputs straight
/// from the phase copy (<see cref="TappedRows"/>: for tap k, the row's 14 positions are consecutive floats at
/// <c>Taps[k] + row·PhaseWidth</c>) against two vectors of weights packed <c>[block][depth][Panel]</c>. The taps run in
/// blocks of <see cref="PackedGemm.DepthBlock"/>, all units per block, each unit's sums kept between blocks; each
/// output starts from the bias and sums its taps in order, the same sum in the same order as on the GEMM path, so the
/// two give the same bits. The sums are then scattered into <c>[M, OH·14]</c>, with a residual added and the activation
/// applied after it where there is one.
/// </summary>
internal sealed class PositionTiles
{
    private readonly int[] _taps;
    private readonly int[] _weightOffsets;
    private readonly int _depth, _outputs, _outputHeight, _outputWidth, _phaseWidth, _copyLength;

    /// <summary>Tiles for the <paramref name="outputs"/> channels of a convolution over <paramref name="layout"/>, which <see cref="Fits"/>.</summary>
    public PositionTiles(PhaseLayout layout, int outputs)
    {
        (_depth, _outputs) = (layout.Taps.Length, outputs);
        (_outputHeight, _outputWidth, _phaseWidth, _copyLength) = (layout.OutputHeight, layout.OutputWidth, layout.PhaseWidth, layout.CopyLength);
        _taps = layout.Taps;
        int panel = PackedGemm.Panel;
        _weightOffsets = [.. Enumerable.Range(0, _depth).Select(k => k * panel)];
        Blocks = (outputs + panel - 1) / panel;
        Units = checked(Blocks * _outputHeight);
    }

    /// <summary>Blocks of <see cref="PackedGemm.Panel"/> output channels.</summary>
    public int Blocks { get; }

    /// <summary>Units of work: blocks times output rows, block-major.</summary>
    public int Units { get; }

    /// <summary>Floats of the packed weights (<see cref="PackWeights"/>).</summary>
    public long WeightLength => (long)Blocks * PackedGemm.Panel * _depth;

    /// <summary>Floats of the sums of <paramref name="units"/> units kept between tap blocks.</summary>
    public static long ResultLength(int units) => (long)units * RowTiles.BigRows * PackedGemm.Panel;

    /// <summary>
    /// True when a convolution of window <paramref name="window"/> and phase layout <paramref name="layout"/> runs on
    /// position tiles: output rows of 14 (one tile each, where the GEMM path computes 16 columns per row of 3x3 taps
    /// with padding 1) and a kernel larger than 1x1. Measured on an Intel Xeon (AVX-512), one and two threads: ResNet-18's
    /// 3x3 convolutions to 14x14 outputs 6-9% faster than the GEMM path; on 7x7 and 28x28 and larger outputs, and for
    /// 1x1 kernels, as fast or slower, so those stay on the GEMM.
    /// </summary>
    public static bool Fits(Model.Window2d window, PhaseLayout layout) =>
        layout.OutputWidth == RowTiles.BigRows && layout.PhaseWidth >= RowTiles.BigRows && window.KernelHeight * window.KernelWidth > 1;

    /// <summary>
    /// Weights <c>[M, depth]</c> and bias <c>[M]</c> packed as <c>[block][depth][Panel]</c> and <c>[block][Panel]</c>,
    /// zeros past the last channel.
    /// </summary>
    public void PackWeights(ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> packed, Span<float> packedBias)
    {
        int panel = PackedGemm.Panel;
        packed.Clear();
        packedBias.Clear();
        for (int m = 0; m < _outputs; m++)
        {
            Span<float> block = packed.Slice(m / panel * _depth * panel, _depth * panel);
            for (int k = 0; k < _depth; k++)
            {
                block[k * panel + m % panel] = weight[m * _depth + k];
            }

            packedBias[m] = bias[m];
        }
    }

    /// <summary>
    /// The outputs of units [<paramref name="firstUnit"/>, <paramref name="endUnit"/>) into <paramref name="y"/>
    /// <c>[M, OH·OW]</c>, plus <paramref name="residual"/> (<c>[M, OH·OW]</c>, or empty for none) and then clamped by
    /// <paramref name="activation"/>, reading the layout's phase <paramref name="copy"/>
    /// (<see cref="PhaseLayout.CopyLength"/> floats: a row of 14 at tap k ends within <c>Taps[k] + OH·PhaseWidth</c>,
    /// inside every tap's row of GEMM columns); <paramref name="results"/> holds <see cref="ResultLength"/> of the units.
    /// </summary>
    public void Multiply(
        ReadOnlySpan<float> copy, ReadOnlySpan<float> packed, ReadOnlySpan<float> packedBias, Span<float> results, ReadOnlySpan<float> residual, Span<float> y,
        Activation activation, int firstUnit, int endUnit)
    {
        switch (SimdWidth.MaxFloats)
        {
            case 16: Multiply<Simd512, Vector512<float>, Vector512<double>>(copy, packed, packedBias, results, residual, y, activation, firstUnit, endUnit); break;
            case 8: Multiply<Simd256, Vector256<float>, Vector256<double>>(copy, packed, packedBias, results, residual, y, activation, firstUnit, endUnit); break;
            case 4: Multiply<Simd128, Vector128<float>, Vector128<double>>(copy, packed, packedBias, results, residual, y, activation, firstUnit, endUnit); break;
            default: Multiply<SimdScalar, float, double>(copy, packed, packedBias, results, residual, y, activation, firstUnit, endUnit); break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Multiply<TS, TF, TD>(
        ReadOnlySpan<float> copy, ReadOnlySpan<float> packed, ReadOnlySpan<float> packedBias, Span<float> results, ReadOnlySpan<float> residual, Span<float> y,
        Activation activation, int firstUnit, int endUnit)
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct
    {
        int panel = 2 * TS.Count, unitFloats = RowTiles.BigRows * panel, positions = _outputHeight * _outputWidth;
        if (copy.Length < _copyLength || packed.Length < WeightLength || packedBias.Length < Blocks * panel || y.Length < (long)_outputs * positions
            || (!residual.IsEmpty && residual.Length < (long)_outputs * positions)
            || results.Length < ResultLength(endUnit - firstUnit) || firstUnit < 0 || endUnit > Units)
        {
            throw new ArgumentException($"Position tiles of {_outputs} channels on {_outputHeight}x{_outputWidth} outputs need longer operands.");
        }

        for (int unit = firstUnit; unit < endUnit; unit++)
        {
            ReadOnlySpan<float> bias = packedBias.Slice(unit / _outputHeight * panel, panel);
            Span<float> result = results.Slice((unit - firstUnit) * unitFloats, unitFloats);
            for (int j = 0; j < RowTiles.BigRows; j++)
            {
                bias.CopyTo(result.Slice(j * panel, panel));
            }
        }

        ref float input = ref MemoryMarshal.GetReference(copy);
        ref int tapOffsets = ref MemoryMarshal.GetArrayDataReference(_taps);
        ref int weightOffsets = ref MemoryMarshal.GetArrayDataReference(_weightOffsets);
        for (int k0 = 0; k0 < _depth; k0 += PackedGemm.DepthBlock)
        {
            int kc = Math.Min(PackedGemm.DepthBlock, _depth - k0);
            bool clamp = activation.IsSet && residual.IsEmpty && k0 + kc == _depth;
            for (int unit = firstUnit; unit < endUnit; unit++)
            {
                int block = unit / _outputHeight, row = unit % _outputHeight;
                ref float result = ref results[(unit - firstUnit) * unitFloats];
                GemmTiles.Rows14<TS, TF, TD, TappedRows>(
                    ref Unsafe.Add(ref input, (nint)row * _phaseWidth), ref Unsafe.Add(ref tapOffsets, k0), ref Unsafe.AsRef(in packed[block * _depth * panel]),
                    ref Unsafe.Add(ref weightOffsets, k0), kc, ref result, panel, ref result, first: false, clamp, activation.Low, activation.High);
            }
        }

        (float low, float high) = (activation.Lower, activation.Upper);
        ref float sums = ref MemoryMarshal.GetReference(results);
        for (int unit = firstUnit; unit < endUnit; unit++)
        {
            int block = unit / _outputHeight, row = unit % _outputHeight, channels = Math.Min(panel, _outputs - block * panel);
            ref float result = ref Unsafe.Add(ref sums, (nint)(unit - firstUnit) * unitFloats);
            for (int m = 0; m < channels; m++)
            {
                int at = (block * panel + m) * positions + row * _outputWidth;
                Span<float> target = y.Slice(at, _outputWidth);
                ref float output = ref MemoryMarshal.GetReference(target);
                for (int j = 0; j < _outputWidth; j++)
                {
                    Unsafe.Add(ref output, j) = Unsafe.Add(ref result, (nint)j * panel + m);
                }

                if (!residual.IsEmpty)
                {
                    ElementwiseKernels.AddClamp(target, residual.Slice(at, _outputWidth), target, low, high);
                }
            }
        }
    }
}
