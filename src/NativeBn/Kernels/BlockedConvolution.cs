using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using NativeBn.Model.Nodes;

namespace NativeBn.Kernels;

/// <summary>
/// A dense convolution computed on a <see cref="BlockedInput"/> with the output channels along the vectors. A unit of work
/// is a block of <see cref="Panel"/> output channels times a group of output rows (enough rows for about
/// <see cref="UnitPositions"/> positions, so that small planes reuse each block's weights across rows); each row is cut
/// into <see cref="BlockedTile"/>s of at most 6 positions, as even as they come (56 = six of 6 and four of 5). For each
/// block of 8 input channels in order, every tile of the unit runs over that block's taps, its weights (packed
/// <c>[output block][input block][tap][channel][Panel]</c>, 18 KiB with Vector512 for a 3x3 kernel) staying in L1; the
/// unit's sums stay in a buffer of its own between input blocks. Each output starts from the bias and adds its products
/// input block by block, tap by tap, channel by channel: the same order whatever the batch, the thread count or the
/// unit that holds it. The sums are then transposed into <c>[M, OH·OW]</c>, with a residual added and the activation
/// applied after it where there is one, or, when the next convolution runs on blocked inputs too, clamped and placed
/// straight into that convolution's <see cref="BlockedInput"/> (8 channels of a position are 8 consecutive sums there).
/// </summary>
internal sealed class BlockedConvolution
{
    /// <summary>Output positions a unit aims at: rows are grouped until they hold about this many.</summary>
    private const int UnitPositions = 48;

    private readonly BlockedInput _input;
    private readonly int[] _tileStarts;
    private readonly int _outputs, _taps, _rowsPerUnit, _rowGroups;

    /// <summary>The convolution of <paramref name="outputs"/> channels on <paramref name="input"/>.</summary>
    public BlockedConvolution(BlockedInput input, int outputs)
    {
        (_input, _outputs, _taps) = (input, outputs, input.TapAt.Length);
        int width = input.OutputWidth, tiles = (width + BlockedTile.MostPositions - 1) / BlockedTile.MostPositions;
        _tileStarts = [.. Enumerable.Range(0, tiles + 1).Select(t => (int)((long)t * width / tiles))];
        _rowsPerUnit = Math.Clamp((UnitPositions + width - 1) / width, 1, Math.Max(1, input.OutputHeight));
        _rowGroups = (input.OutputHeight + _rowsPerUnit - 1) / _rowsPerUnit;
        Blocks = (outputs + Panel - 1) / Panel;
        Units = checked(Blocks * _rowGroups);
    }

    /// <summary>Output channels per block: four vectors of the widest accelerated width.</summary>
    public static int Panel => 4 * SimdWidth.MaxFloats;

    /// <summary>Blocks of <see cref="Panel"/> output channels.</summary>
    public int Blocks { get; }

    /// <summary>Units of work: output blocks times row groups, block-major.</summary>
    public int Units { get; }

    /// <summary>Floats of the packed weights (<see cref="PackWeights"/>).</summary>
    public long WeightLength => (long)Blocks * _input.Blocks * _taps * BlockedInput.Lanes * Panel;

    /// <summary>Floats of the packed bias (<see cref="PackWeights"/>).</summary>
    public int BiasLength => Blocks * Panel;

    /// <summary>Multiply-adds of one unit.</summary>
    public long MultiplyAddsPerUnit => (long)_rowsPerUnit * _input.OutputWidth * Panel * _input.Blocks * _taps * BlockedInput.Lanes;

    /// <summary>Floats of the sums of <paramref name="units"/> units.</summary>
    public long ResultLength(int units) => (long)units * _rowsPerUnit * _input.OutputWidth * Panel;

    /// <summary>
    /// True when <paramref name="conv"/> runs on blocked inputs: not grouped, input channels a multiple of
    /// <see cref="BlockedInput.Lanes"/>, a kernel larger than 1x1. Measured against the GEMM path on ResNet-18's layers
    /// (Intel Xeon, AVX-512, one thread, the same layer alternated 30-40 times, medians): its stride-2 3x3 layers
    /// 1.23-1.52x faster, its 3x3 layers on 56x56, 28x28, 14x14 and 7x7 outputs 1.01-1.29x where the host was busy and
    /// 0.93-1.08x where it was quiet. Its 1x1 stride-2 shortcuts ran 6-30 % slower inside the network than on the GEMM
    /// path, which copies only the stride phase they read (the blocked copy transposes the whole input), so 1x1 kernels
    /// stay there. Its output channels must fill more than half a <see cref="Panel"/>: a panel holds the sums of
    /// <see cref="Panel"/> channels whatever their number, and with half of them or fewer the GEMM path was faster on
    /// every 3x3 layer measured (Intel Xeon, one thread, 8-64 inputs on 14x14 and 28x28: with AVX-512 16 outputs 1.3-4.0x
    /// and 32 outputs 1.5-2.0x faster, 48 outputs 0.5-1.4x; with 256-bit vectors 8 and 16 outputs 1.0-2.6x faster,
    /// 24 outputs 0.7-1.1x).
    /// </summary>
    public static bool Fits(Conv2dNode conv) =>
        conv.Groups == 1 && conv.InputChannels % BlockedInput.Lanes == 0 && conv.Window.KernelHeight * conv.Window.KernelWidth > 1
        && 2 * conv.OutputChannels > Panel;

    /// <summary>
    /// Weights <c>[M, C, kH, kW]</c> and bias <c>[M]</c> packed as <c>[output block][input block][tap][channel][Panel]</c>
    /// and <c>[output block][Panel]</c>, zeros past the last output channel.
    /// </summary>
    public void PackWeights(ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> packed, Span<float> packedBias)
    {
        int panel = Panel, lanes = BlockedInput.Lanes, channels = _input.Blocks * lanes;
        packed.Clear();
        packedBias.Clear();
        for (int m = 0; m < _outputs; m++)
        {
            for (int c = 0; c < channels; c++)
            {
                for (int t = 0; t < _taps; t++)
                {
                    long at = ((((long)(m / panel) * _input.Blocks + c / lanes) * _taps + t) * lanes + c % lanes) * panel + m % panel;
                    packed[(int)at] = weight[(m * channels + c) * _taps + t];
                }
            }

            packedBias[m] = bias[m];
        }
    }

    /// <summary>True when <paramref name="next"/> can take this convolution's outputs as its input: <see cref="Place"/> fits it.</summary>
    public bool Feeds(BlockedInput next) => next.Blocks * BlockedInput.Lanes == _outputs && next.Height == _input.OutputHeight && next.Width == _input.OutputWidth;

    /// <summary>
    /// The outputs of units [<paramref name="firstUnit"/>, <paramref name="endUnit"/>) into <paramref name="y"/>
    /// <c>[M, OH·OW]</c>, plus <paramref name="residual"/> (<c>[M, OH·OW]</c>, or empty for none) and then clamped by
    /// <paramref name="activation"/>, reading the blocked <paramref name="copy"/>; <paramref name="results"/> holds
    /// <see cref="ResultLength"/> of the units. With <paramref name="next"/> (a layout this convolution
    /// <see cref="Feeds"/>; no residual then), <paramref name="y"/> is that layout instead and receives the clamped outputs
    /// at their positions inside its padding, the padding left as it is.
    /// </summary>
    public void Multiply(
        ReadOnlySpan<float> copy, ReadOnlySpan<float> packed, ReadOnlySpan<float> packedBias, Span<float> results, ReadOnlySpan<float> residual, Span<float> y,
        Activation activation, int firstUnit, int endUnit, BlockedInput? next = null)
    {
        switch (SimdWidth.MaxFloats)
        {
            case 16: Multiply<Simd512, Vector512<float>, Vector512<double>>(copy, packed, packedBias, results, residual, y, activation, firstUnit, endUnit, next); break;
            case 8: Multiply<Simd256, Vector256<float>, Vector256<double>>(copy, packed, packedBias, results, residual, y, activation, firstUnit, endUnit, next); break;
            case 4: Multiply<Simd128, Vector128<float>, Vector128<double>>(copy, packed, packedBias, results, residual, y, activation, firstUnit, endUnit, next); break;
            default: Multiply<SimdScalar, float, double>(copy, packed, packedBias, results, residual, y, activation, firstUnit, endUnit, next); break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Multiply<TS, TF, TD>(
        ReadOnlySpan<float> copy, ReadOnlySpan<float> packed, ReadOnlySpan<float> packedBias, Span<float> results, ReadOnlySpan<float> residual, Span<float> y,
        Activation activation, int firstUnit, int endUnit, BlockedInput? next)
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct
    {
        int panel = 4 * TS.Count, width = _input.OutputWidth, height = _input.OutputHeight, positions = height * width;
        int unitFloats = _rowsPerUnit * width * panel, blockWeights = _taps * BlockedInput.Lanes * panel;
        if (copy.Length < _input.Length || packed.Length < WeightLength || packedBias.Length < BiasLength
            || y.Length < (next is null ? (long)_outputs * positions : next.Length)
            || (!residual.IsEmpty && (next is not null || residual.Length < (long)_outputs * positions))
            || (next is not null && !Feeds(next))
            || results.Length < ResultLength(endUnit - firstUnit) || firstUnit < 0 || endUnit > Units)
        {
            throw new ArgumentException($"A blocked convolution of {_outputs} channels on {height}x{width} outputs needs longer operands.");
        }

        ref float input = ref MemoryMarshal.GetReference(copy);
        ref float weights = ref MemoryMarshal.GetReference(packed);
        ref int tapAt = ref MemoryMarshal.GetArrayDataReference(_input.TapAt);
        nint step = _input.Step;
        for (int unit = firstUnit; unit < endUnit; unit++)
        {
            int block = unit / _rowGroups, firstRow = unit % _rowGroups * _rowsPerUnit, rows = Math.Min(_rowsPerUnit, height - firstRow);
            Span<float> sums = results.Slice((unit - firstUnit) * unitFloats, rows * width * panel);
            ReadOnlySpan<float> bias = packedBias.Slice(block * panel, panel);
            for (int j = 0; j < rows * width; j++)
            {
                bias.CopyTo(sums.Slice(j * panel, panel));
            }

            int first = block * panel, channels = Math.Min(panel, _outputs - first);
            if (next is null)
            {
                Ahead(y, residual, first, channels, firstRow, rows);
            }

            ref float unitSums = ref MemoryMarshal.GetReference(sums);
            for (int b = 0; b < _input.Blocks; b++)
            {
                ref float plane = ref Unsafe.Add(ref input, (nint)b * _input.PlaneLength);
                ref float chunk = ref Unsafe.Add(ref weights, ((nint)block * _input.Blocks + b) * blockWeights);
                for (int r = 0; r < rows; r++)
                {
                    for (int t = 0; t + 1 < _tileStarts.Length; t++)
                    {
                        int start = _tileStarts[t];
                        ref float window = ref Unsafe.Add(ref plane, _input.WindowAt(firstRow + r, start));
                        ref float tile = ref Unsafe.Add(ref unitSums, ((nint)r * width + start) * panel);
                        switch (_tileStarts[t + 1] - start)
                        {
                            case 6: BlockedTile.Run<TS, TF, TD, SixPositions>(ref window, step, ref tapAt, _taps, ref chunk, ref tile); break;
                            case 5: BlockedTile.Run<TS, TF, TD, FivePositions>(ref window, step, ref tapAt, _taps, ref chunk, ref tile); break;
                            case 4: BlockedTile.Run<TS, TF, TD, FourPositions>(ref window, step, ref tapAt, _taps, ref chunk, ref tile); break;
                            case 3: BlockedTile.Run<TS, TF, TD, ThreePositions>(ref window, step, ref tapAt, _taps, ref chunk, ref tile); break;
                            case 2: BlockedTile.Run<TS, TF, TD, TwoPositions>(ref window, step, ref tapAt, _taps, ref chunk, ref tile); break;
                            default: BlockedTile.Run<TS, TF, TD, OnePosition>(ref window, step, ref tapAt, _taps, ref chunk, ref tile); break;
                        }
                    }
                }
            }

            if (next is null)
            {
                Move(sums, residual, y, activation, first, channels, panel, firstRow, rows);
            }
            else
            {
                Place(sums, next, y, activation, first, channels, panel, firstRow, rows);
            }
        }
    }

    /// <summary>
    /// A unit's sums (<c>[rows][OW][panel]</c>) transposed into output rows [<paramref name="firstRow"/>,
    /// <paramref name="firstRow"/> + <paramref name="rows"/>) of <paramref name="channels"/> channels from
    /// <paramref name="firstChannel"/>, each plus its residual and then clamped by the activation: 8x8 at a time where
    /// AVX is there, one at a time elsewhere, the same arithmetic either way.
    /// </summary>
    private void Move(Span<float> sums, ReadOnlySpan<float> residual, Span<float> y, Activation activation, int firstChannel, int channels, int panel, int firstRow, int rows)
    {
        int width = _input.OutputWidth, plane = _input.OutputHeight * width, lanes = Transpose8.Side;
        int wholeChannels = Avx.IsSupported ? channels / lanes * lanes : 0, wholeColumns = width / lanes * lanes;
        bool add = !residual.IsEmpty;
        (float low, float high) = (activation.Lower, activation.Upper);
        Vector256<float> lower = Vector256.Create(low), upper = Vector256.Create(high);
        ref float source = ref MemoryMarshal.GetReference(sums);
        ref float target = ref MemoryMarshal.GetReference(y);
        ref float extra = ref MemoryMarshal.GetReference(residual);
        for (int r = 0; r < rows; r++)
        {
            ref float row = ref Unsafe.Add(ref source, (nint)r * width * panel);
            nint at = (nint)firstChannel * plane + (nint)(firstRow + r) * width;
            for (int m = 0; m < wholeChannels; m += lanes)
            {
                for (int j = 0; j < wholeColumns; j += lanes)
                {
                    ref float from = ref Unsafe.Add(ref row, (nint)j * panel + m);
                    Transpose8.Registers(
                        Vector256.LoadUnsafe(ref from), Vector256.LoadUnsafe(ref Unsafe.Add(ref from, panel)),
                        Vector256.LoadUnsafe(ref Unsafe.Add(ref from, 2 * panel)), Vector256.LoadUnsafe(ref Unsafe.Add(ref from, 3 * panel)),
                        Vector256.LoadUnsafe(ref Unsafe.Add(ref from, 4 * panel)), Vector256.LoadUnsafe(ref Unsafe.Add(ref from, 5 * panel)),
                        Vector256.LoadUnsafe(ref Unsafe.Add(ref from, 6 * panel)), Vector256.LoadUnsafe(ref Unsafe.Add(ref from, 7 * panel)),
                        out var o0, out var o1, out var o2, out var o3, out var o4, out var o5, out var o6, out var o7);
                    nint to = at + (nint)m * plane + j;
                    Finish(o0, ref target, ref extra, to, add, lower, upper);
                    Finish(o1, ref target, ref extra, to + plane, add, lower, upper);
                    Finish(o2, ref target, ref extra, to + 2 * (nint)plane, add, lower, upper);
                    Finish(o3, ref target, ref extra, to + 3 * (nint)plane, add, lower, upper);
                    Finish(o4, ref target, ref extra, to + 4 * (nint)plane, add, lower, upper);
                    Finish(o5, ref target, ref extra, to + 5 * (nint)plane, add, lower, upper);
                    Finish(o6, ref target, ref extra, to + 6 * (nint)plane, add, lower, upper);
                    Finish(o7, ref target, ref extra, to + 7 * (nint)plane, add, lower, upper);
                }

                for (int j = wholeColumns; j < width; j++)
                {
                    for (int k = 0; k < lanes; k++)
                    {
                        Finish(Unsafe.Add(ref row, (nint)j * panel + m + k), ref target, ref extra, at + (nint)(m + k) * plane + j, add, low, high);
                    }
                }
            }

            for (int m = wholeChannels; m < channels; m++)
            {
                for (int j = 0; j < width; j++)
                {
                    Finish(Unsafe.Add(ref row, (nint)j * panel + m), ref target, ref extra, at + (nint)m * plane + j, add, low, high);
                }
            }
        }
    }

    /// <summary>
    /// A unit's sums (<c>[rows][OW][panel]</c>) of <paramref name="channels"/> channels from <paramref name="firstChannel"/>,
    /// clamped by the activation, placed at output rows [<paramref name="firstRow"/>, <paramref name="firstRow"/> +
    /// <paramref name="rows"/>) of <paramref name="next"/>'s layout in <paramref name="y"/>: 8 channels of a position are
    /// 8 consecutive sums and 8 consecutive floats of the layout, one vector each where 256-bit vectors are accelerated
    /// and the channels come in whole blocks of 8, one value at a time elsewhere, the same arithmetic either way.
    /// </summary>
    private void Place(Span<float> sums, BlockedInput next, Span<float> y, Activation activation, int firstChannel, int channels, int panel, int firstRow, int rows)
    {
        int width = _input.OutputWidth, lanes = BlockedInput.Lanes;
        (float low, float high) = (activation.Lower, activation.Upper);
        Vector256<float> lower = Vector256.Create(low), upper = Vector256.Create(high);
        bool vectors = Vector256.IsHardwareAccelerated && firstChannel % lanes == 0 && channels % lanes == 0;
        ref float source = ref MemoryMarshal.GetReference(sums);
        ref float target = ref MemoryMarshal.GetReference(y);
        for (int m = 0; m < channels; m += vectors ? lanes : 1)
        {
            int channel = firstChannel + m;
            nint block = (nint)(channel / lanes) * next.PlaneLength + channel % lanes;
            for (int r = 0; r < rows; r++)
            {
                ref float row = ref Unsafe.Add(ref source, (nint)r * width * panel + m);
                ref float to = ref Unsafe.Add(ref target, block + next.InteriorAt(firstRow + r, 0));
                for (int j = 0; j < width; j++)
                {
                    if (vectors)
                    {
                        Vector256.MinNative(upper, Vector256.MaxNative(lower, Vector256.LoadUnsafe(ref Unsafe.Add(ref row, (nint)j * panel))))
                            .StoreUnsafe(ref Unsafe.Add(ref to, (nint)j * lanes));
                    }
                    else
                    {
                        Unsafe.Add(ref to, (nint)j * lanes) = Math.Min(high, Math.Max(low, Unsafe.Add(ref row, (nint)j * panel)));
                    }
                }
            }
        }
    }

    /// <summary>
    /// Prefetches output rows [<paramref name="firstRow"/>, <paramref name="firstRow"/> + <paramref name="rows"/>) of
    /// <paramref name="channels"/> channels from <paramref name="first"/> (and of the residual, where there is one) while
    /// the unit's tiles run: the rows are scattered over the planes and usually not in cache.
    /// </summary>
    private unsafe void Ahead(Span<float> y, ReadOnlySpan<float> residual, int first, int channels, int firstRow, int rows)
    {
        int width = _input.OutputWidth;
        nint plane = (nint)_input.OutputHeight * width;
        fixed (float* py = y, pr = residual)
        {
            for (int m = first; m < first + channels; m++)
            {
                nint at = m * plane + (nint)firstRow * width;
                Prefetch.Lines(py + at, (nint)rows * width);
                if (pr != null)
                {
                    Prefetch.Lines(pr + at, (nint)rows * width);
                }
            }
        }
    }

    /// <summary>Stores 8 outputs at <paramref name="at"/>: <paramref name="sums"/>, plus the residual there when <paramref name="add"/>, clamped.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Finish(Vector256<float> sums, ref float y, ref float residual, nint at, bool add, Vector256<float> lower, Vector256<float> upper)
    {
        if (add)
        {
            sums += Vector256.LoadUnsafe(ref residual, (nuint)at);
        }

        Vector256.MinNative(upper, Vector256.MaxNative(lower, sums)).StoreUnsafe(ref y, (nuint)at);
    }

    /// <summary>Stores one output at <paramref name="at"/>: <paramref name="sum"/>, plus the residual there when <paramref name="add"/>, clamped.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Finish(float sum, ref float y, ref float residual, nint at, bool add, float low, float high)
    {
        if (add)
        {
            sum += Unsafe.Add(ref residual, at);
        }

        Unsafe.Add(ref y, at) = Math.Min(high, Math.Max(low, sum));
    }
}
