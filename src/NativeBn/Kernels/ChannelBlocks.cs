using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using NativeBn.Model;

namespace NativeBn.Kernels;

/// <summary>
/// A window geometry on one plane size laid out for computing 8 channels at a time: a block's 8 input planes transposed,
/// 8x8 values at a time, into one padded plane of 8-channel vectors (<see cref="Interleave"/>), and a block's outputs,
/// one 8-channel vector per position, transposed back into 8 output planes (<see cref="Deinterleave"/>). With the
/// channels in the lanes, a window operation needs no edge masks and wastes no lane however small the plane. Needs AVX2.
/// </summary>
internal sealed class ChannelBlocks
{
    /// <summary>Channels per block: the floats of a 256-bit vector.</summary>
    public const int Lanes = 8;

    private readonly int _height, _width;
    private readonly int[] _inputAt;

    /// <summary>The layout of <paramref name="window"/> on <paramref name="height"/> x <paramref name="width"/> planes.</summary>
    public ChannelBlocks(Window2d window, int height, int width, bool ceilMode)
    {
        (Window, _height, _width) = (window, height, width);
        (OutputHeight, OutputWidth) = (window.OutputHeight(height, ceilMode), window.OutputWidth(width, ceilMode));
        long rows = Math.Max((long)height + window.PadTop + window.PadBottom,
            (long)(OutputHeight - 1) * window.StrideHeight + (long)(window.KernelHeight - 1) * window.DilationHeight + 1);
        long columns = Math.Max((long)width + window.PadLeft + window.PadRight,
            (long)(OutputWidth - 1) * window.StrideWidth + (long)(window.KernelWidth - 1) * window.DilationWidth + 1);
        PaddedWidth = checked((int)columns);
        PaddedLength = checked((int)(rows * columns * Lanes));
        _inputAt = new int[checked(height * width)];
        for (int i = 0, p = 0; i < height; i++)
        {
            for (int j = 0; j < width; j++, p++)
            {
                _inputAt[p] = ((i + window.PadTop) * PaddedWidth + j + window.PadLeft) * Lanes;
            }
        }

        TapAt = new int[window.KernelHeight * window.KernelWidth];
        for (int r = 0; r < window.KernelHeight; r++)
        {
            for (int s = 0; s < window.KernelWidth; s++)
            {
                TapAt[r * window.KernelWidth + s] = (r * window.DilationHeight * PaddedWidth + s * window.DilationWidth) * Lanes;
            }
        }

        ScratchLength = checked(PaddedLength + (long)OutputHeight * OutputWidth * Lanes);
    }

    /// <summary>Whether this CPU runs channel blocks (AVX2 and FMA, 256-bit vectors accelerated).</summary>
    public static bool Fits => Avx2.IsSupported && Fma.IsSupported && Vector256.IsHardwareAccelerated;

    /// <summary>The window.</summary>
    public Window2d Window { get; }

    /// <summary>Output rows.</summary>
    public int OutputHeight { get; }

    /// <summary>Output columns.</summary>
    public int OutputWidth { get; }

    /// <summary>Positions per row of the padded plane.</summary>
    public int PaddedWidth { get; }

    /// <summary>Floats of the padded plane of 8-channel vectors.</summary>
    public int PaddedLength { get; }

    /// <summary>Per kernel tap, its offset in floats from the top-left of its window in the padded plane.</summary>
    public int[] TapAt { get; }

    /// <summary>Floats of scratch a block needs: the padded plane, then the outputs.</summary>
    public long ScratchLength { get; }

    /// <summary>Sets the padded plane in <paramref name="scratch"/> to <paramref name="padding"/>: its borders stay so for every block.</summary>
    public void Prepare(Span<float> scratch, float padding) => scratch[..PaddedLength].Fill(padding);

    /// <summary>
    /// One block: the 8 planes of <paramref name="x"/> through <paramref name="op"/> into the 8 output planes of
    /// <paramref name="y"/>, on <paramref name="scratch"/> (<see cref="ScratchLength"/> floats, <see cref="Prepare"/>d).
    /// </summary>
    public void Run<TOp>(ReadOnlySpan<float> x, Span<float> y, Span<float> scratch, ref TOp op)
        where TOp : IBlockOperator, allows ref struct
    {
        Span<float> padded = scratch[..PaddedLength];
        Span<float> result = scratch.Slice(PaddedLength, OutputHeight * OutputWidth * Lanes);
        Interleave(x, padded);
        Compute(padded, ref op, result);
        Deinterleave(result, y);
    }

    /// <summary>The 8 planes of <paramref name="x"/> into the padded plane of 8-channel vectors (its borders are left as they are).</summary>
    private void Interleave(ReadOnlySpan<float> x, Span<float> padded)
    {
        int plane = _height * _width, whole = plane / Lanes * Lanes;
        ref float source = ref MemoryMarshal.GetReference(x);
        ref float target = ref MemoryMarshal.GetReference(padded);
        ref int at = ref MemoryMarshal.GetArrayDataReference(_inputAt);
        for (int p = 0; p < whole; p += Lanes)
        {
            Transpose8.Registers(
                Vector256.LoadUnsafe(ref source, (nuint)p), Vector256.LoadUnsafe(ref source, (nuint)(plane + p)),
                Vector256.LoadUnsafe(ref source, (nuint)(2 * plane + p)), Vector256.LoadUnsafe(ref source, (nuint)(3 * plane + p)),
                Vector256.LoadUnsafe(ref source, (nuint)(4 * plane + p)), Vector256.LoadUnsafe(ref source, (nuint)(5 * plane + p)),
                Vector256.LoadUnsafe(ref source, (nuint)(6 * plane + p)), Vector256.LoadUnsafe(ref source, (nuint)(7 * plane + p)),
                out var o0, out var o1, out var o2, out var o3, out var o4, out var o5, out var o6, out var o7);
            o0.StoreUnsafe(ref target, (nuint)Unsafe.Add(ref at, p));
            o1.StoreUnsafe(ref target, (nuint)Unsafe.Add(ref at, p + 1));
            o2.StoreUnsafe(ref target, (nuint)Unsafe.Add(ref at, p + 2));
            o3.StoreUnsafe(ref target, (nuint)Unsafe.Add(ref at, p + 3));
            o4.StoreUnsafe(ref target, (nuint)Unsafe.Add(ref at, p + 4));
            o5.StoreUnsafe(ref target, (nuint)Unsafe.Add(ref at, p + 5));
            o6.StoreUnsafe(ref target, (nuint)Unsafe.Add(ref at, p + 6));
            o7.StoreUnsafe(ref target, (nuint)Unsafe.Add(ref at, p + 7));
        }

        for (int p = whole; p < plane; p++)
        {
            for (int v = 0; v < Lanes; v++)
            {
                Unsafe.Add(ref target, Unsafe.Add(ref at, p) + v) = Unsafe.Add(ref source, v * plane + p);
            }
        }
    }

    /// <summary>
    /// Every output of a block from the padded plane <paramref name="padded"/> into <paramref name="result"/> (one
    /// 8-channel vector per position): <paramref name="op"/>'s start, one step per tap in kernel order, its finish; four
    /// neighbouring outputs of a row at a time, so that four are in flight and each tap's operand loads once for them.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Compute<TOp>(ReadOnlySpan<float> padded, ref TOp op, Span<float> result)
        where TOp : IBlockOperator, allows ref struct
    {
        Window2d w = Window;
        int taps = TapAt.Length;
        nint step = (nint)w.StrideWidth * Lanes;
        ref float source = ref MemoryMarshal.GetReference(padded);
        ref float target = ref MemoryMarshal.GetReference(result);
        ref int tapAt = ref MemoryMarshal.GetArrayDataReference(TapAt);
        Vector256<float> start = op.Start;
        for (int i = 0; i < OutputHeight; i++)
        {
            ref float row = ref Unsafe.Add(ref source, (nint)i * w.StrideHeight * PaddedWidth * Lanes);
            ref float output = ref Unsafe.Add(ref target, (nint)i * OutputWidth * Lanes);
            int j = 0;
            for (; j + 4 <= OutputWidth; j += 4)
            {
                ref float window = ref Unsafe.Add(ref row, j * step);
                Vector256<float> s0 = start, s1 = start, s2 = start, s3 = start;
                for (int t = 0; t < taps; t++)
                {
                    Vector256<float> k = op.Tap(t);
                    nint at = Unsafe.Add(ref tapAt, t);
                    s0 = op.Step(s0, Vector256.LoadUnsafe(ref window, (nuint)at), k);
                    s1 = op.Step(s1, Vector256.LoadUnsafe(ref window, (nuint)(at + step)), k);
                    s2 = op.Step(s2, Vector256.LoadUnsafe(ref window, (nuint)(at + 2 * step)), k);
                    s3 = op.Step(s3, Vector256.LoadUnsafe(ref window, (nuint)(at + 3 * step)), k);
                }

                op.Finish(s0).StoreUnsafe(ref output, (nuint)(j * Lanes));
                op.Finish(s1).StoreUnsafe(ref output, (nuint)((j + 1) * Lanes));
                op.Finish(s2).StoreUnsafe(ref output, (nuint)((j + 2) * Lanes));
                op.Finish(s3).StoreUnsafe(ref output, (nuint)((j + 3) * Lanes));
            }

            for (; j < OutputWidth; j++)
            {
                ref float window = ref Unsafe.Add(ref row, j * step);
                Vector256<float> sum = start;
                for (int t = 0; t < taps; t++)
                {
                    sum = op.Step(sum, Vector256.LoadUnsafe(ref window, (nuint)Unsafe.Add(ref tapAt, t)), op.Tap(t));
                }

                op.Finish(sum).StoreUnsafe(ref output, (nuint)(j * Lanes));
            }
        }
    }

    /// <summary>A block's outputs, 8-channel vectors, back into its 8 output planes.</summary>
    private void Deinterleave(ReadOnlySpan<float> result, Span<float> y)
    {
        int plane = OutputHeight * OutputWidth, whole = plane / Lanes * Lanes;
        ref float source = ref MemoryMarshal.GetReference(result);
        ref float target = ref MemoryMarshal.GetReference(y);
        for (int p = 0; p < whole; p += Lanes)
        {
            nint at = (nint)p * Lanes;
            Transpose8.Registers(
                Vector256.LoadUnsafe(ref source, (nuint)at), Vector256.LoadUnsafe(ref source, (nuint)(at + Lanes)),
                Vector256.LoadUnsafe(ref source, (nuint)(at + 2 * Lanes)), Vector256.LoadUnsafe(ref source, (nuint)(at + 3 * Lanes)),
                Vector256.LoadUnsafe(ref source, (nuint)(at + 4 * Lanes)), Vector256.LoadUnsafe(ref source, (nuint)(at + 5 * Lanes)),
                Vector256.LoadUnsafe(ref source, (nuint)(at + 6 * Lanes)), Vector256.LoadUnsafe(ref source, (nuint)(at + 7 * Lanes)),
                out var o0, out var o1, out var o2, out var o3, out var o4, out var o5, out var o6, out var o7);
            o0.StoreUnsafe(ref target, (nuint)p);
            o1.StoreUnsafe(ref target, (nuint)(plane + p));
            o2.StoreUnsafe(ref target, (nuint)(2 * plane + p));
            o3.StoreUnsafe(ref target, (nuint)(3 * plane + p));
            o4.StoreUnsafe(ref target, (nuint)(4 * plane + p));
            o5.StoreUnsafe(ref target, (nuint)(5 * plane + p));
            o6.StoreUnsafe(ref target, (nuint)(6 * plane + p));
            o7.StoreUnsafe(ref target, (nuint)(7 * plane + p));
        }

        for (int p = whole; p < plane; p++)
        {
            for (int v = 0; v < Lanes; v++)
            {
                Unsafe.Add(ref target, v * plane + p) = Unsafe.Add(ref source, p * Lanes + v);
            }
        }
    }
}
