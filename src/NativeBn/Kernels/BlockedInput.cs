using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using NativeBn.Model;

namespace NativeBn.Kernels;

/// <summary>
/// A convolution's input laid out in blocks of <see cref="Lanes"/> channels: block b is a zero-padded plane of
/// <see cref="PaddedHeight"/> x <see cref="PaddedWidth"/> positions, each the 8 channels' values one after another
/// (<c>[C/8][PaddedHeight][PaddedWidth][8]</c>), so that the inputs a position's window reads for one tap are 8
/// consecutive floats, within one cache line. Written from <c>[C, H, W]</c> by 8x8 transposes (<see cref="Transpose8"/>).
/// </summary>
internal sealed class BlockedInput
{
    /// <summary>Channels per block.</summary>
    public const int Lanes = Transpose8.Side;

    private readonly Window2d _window;
    private readonly int _height, _width;

    /// <summary>The layout of <paramref name="channels"/> (a multiple of <see cref="Lanes"/>) channels of <paramref name="height"/> x <paramref name="width"/> under <paramref name="window"/>.</summary>
    public BlockedInput(Window2d window, int channels, int height, int width)
    {
        if (channels % Lanes != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(channels), channels, $"Blocked inputs take a multiple of {Lanes} channels.");
        }

        (_window, _height, _width, Blocks) = (window, height, width, channels / Lanes);
        (OutputHeight, OutputWidth) = (window.OutputHeight(height), window.OutputWidth(width));
        PaddedHeight = checked((int)Math.Max((long)height + window.PadTop + window.PadBottom,
            (long)(OutputHeight - 1) * window.StrideHeight + (long)(window.KernelHeight - 1) * window.DilationHeight + 1));
        PaddedWidth = checked((int)Math.Max((long)width + window.PadLeft + window.PadRight,
            (long)(OutputWidth - 1) * window.StrideWidth + (long)(window.KernelWidth - 1) * window.DilationWidth + 1));
        PlaneLength = checked(PaddedHeight * PaddedWidth * Lanes);
        Length = checked(Blocks * PlaneLength);
        TapAt = new int[window.KernelHeight * window.KernelWidth];
        for (int r = 0; r < window.KernelHeight; r++)
        {
            for (int s = 0; s < window.KernelWidth; s++)
            {
                TapAt[r * window.KernelWidth + s] = checked((r * window.DilationHeight * PaddedWidth + s * window.DilationWidth) * Lanes);
            }
        }
    }

    /// <summary>Blocks of <see cref="Lanes"/> channels.</summary>
    public int Blocks { get; }

    /// <summary>Input rows (H).</summary>
    public int Height => _height;

    /// <summary>Input columns (W).</summary>
    public int Width => _width;

    /// <summary>Output rows (OH).</summary>
    public int OutputHeight { get; }

    /// <summary>Output columns (OW).</summary>
    public int OutputWidth { get; }

    /// <summary>Rows of a block's padded plane.</summary>
    public int PaddedHeight { get; }

    /// <summary>Positions per row of a block's padded plane.</summary>
    public int PaddedWidth { get; }

    /// <summary>Floats of one block's padded plane.</summary>
    public int PlaneLength { get; }

    /// <summary>Floats of the whole layout.</summary>
    public int Length { get; }

    /// <summary>Per kernel tap (row-major), its offset in floats from the top-left of its window in a block's plane.</summary>
    public int[] TapAt { get; }

    /// <summary>Offset in floats of the top-left of output (row, column)'s window in a block's plane.</summary>
    public int WindowAt(int row, int column) => ((row * _window.StrideHeight * PaddedWidth) + column * _window.StrideWidth) * Lanes;

    /// <summary>Floats between the windows of neighbouring outputs of a row.</summary>
    public int Step => _window.StrideWidth * Lanes;

    /// <summary>Offset in floats, within a block's plane, of input position (<paramref name="row"/>, <paramref name="column"/>) inside the padding.</summary>
    public int InteriorAt(int row, int column) => ((_window.PadTop + row) * PaddedWidth + _window.PadLeft + column) * Lanes;

    /// <summary>
    /// Channel blocks [<paramref name="first"/>, <paramref name="end"/>) of <paramref name="x"/> <c>[C, H, W]</c> into
    /// <paramref name="copy"/> (<see cref="Length"/> floats), their padding zeroed.
    /// </summary>
    public void Split(ReadOnlySpan<float> x, Span<float> copy, int first, int end)
    {
        int plane = _height * _width;
        if (x.Length < (long)Blocks * Lanes * plane || copy.Length < Length || first < 0 || end > Blocks)
        {
            throw new ArgumentException($"A blocked input of {Blocks * Lanes} channels of {_height}x{_width} needs {Blocks * Lanes * plane} values and {Length} floats of copy.");
        }

        ClearPadding(copy, first, end);
        int whole = Avx.IsSupported ? _width / Lanes * Lanes : 0;
        ref float source = ref MemoryMarshal.GetReference(x);
        ref float blocks = ref MemoryMarshal.GetReference(copy);
        for (int b = first; b < end; b++)
        {
            ref float channels = ref Unsafe.Add(ref source, (nint)b * Lanes * plane);
            for (int i = 0; i < _height; i++)
            {
                ref float target = ref Unsafe.Add(ref blocks, (nint)b * PlaneLength + InteriorAt(i, 0));
                ref float values = ref Unsafe.Add(ref channels, (nint)i * _width);
                for (int j = 0; j < whole; j += Lanes)
                {
                    Transpose8.Block(ref Unsafe.Add(ref values, j), plane, ref Unsafe.Add(ref target, (nint)j * Lanes), Lanes);
                }

                for (int j = whole; j < _width; j++)
                {
                    for (int c = 0; c < Lanes; c++)
                    {
                        Unsafe.Add(ref target, (nint)j * Lanes + c) = Unsafe.Add(ref values, (nint)c * plane + j);
                    }
                }
            }
        }
    }

    /// <summary>
    /// Zeroes the padding of channel blocks [<paramref name="first"/>, <paramref name="end"/>) of <paramref name="copy"/>
    /// (<see cref="Length"/> floats): every float outside the input's positions, which the windows read as zeros.
    /// </summary>
    public void ClearPadding(Span<float> copy, int first, int end)
    {
        if (copy.Length < Length || first < 0 || end > Blocks)
        {
            throw new ArgumentException($"A blocked input of {Blocks * Lanes} channels of {_height}x{_width} needs {Length} floats of copy.");
        }

        int top = _window.PadTop, left = _window.PadLeft, width = PaddedWidth * Lanes;
        for (int b = first; b < end; b++)
        {
            Span<float> block = copy.Slice(b * PlaneLength, PlaneLength);
            block[..(top * width)].Clear();
            block[((top + _height) * width)..].Clear();
            for (int i = 0; i < _height; i++)
            {
                Span<float> row = block.Slice((top + i) * width, width);
                row[..(left * Lanes)].Clear();
                row[((left + _width) * Lanes)..].Clear();
            }
        }
    }
}
