using System.Globalization;

namespace NativeBn.Model;

/// <summary>
/// The sliding window of a 2-D convolution or pooling over <c>[N, C, H, W]</c>: kernel size, strides, padding on each
/// side (top, left, bottom, right, in input positions, zeros for convolutions) and dilations. Output size per axis:
/// <c>floor((in + padBefore + padAfter - dilation·(kernel - 1) - 1) / stride) + 1</c>, or with ceiling for pooling in
/// ceil mode, where a last window that would start inside the trailing padding is dropped (ONNX and PyTorch semantics).
/// </summary>
public sealed record Window2d
{
    /// <summary>A window; every size at least 1, padding at least 0 and smaller than the dilated kernel.</summary>
    public Window2d(
        int kernelHeight, int kernelWidth, int strideHeight = 1, int strideWidth = 1,
        int padTop = 0, int padLeft = 0, int padBottom = 0, int padRight = 0, int dilationHeight = 1, int dilationWidth = 1)
    {
        foreach ((int value, string name) in new[]
        {
            (kernelHeight, "kernel height"), (kernelWidth, "kernel width"), (strideHeight, "stride height"), (strideWidth, "stride width"),
            (dilationHeight, "dilation height"), (dilationWidth, "dilation width"),
        })
        {
            if (value < 1 || value > 1 << 16)
            {
                throw new ArgumentOutOfRangeException(name, value, $"The {name} is {value}; it must be from 1 to {1 << 16}.");
            }
        }

        foreach ((int value, string name) in new[] { (padTop, "top padding"), (padLeft, "left padding"), (padBottom, "bottom padding"), (padRight, "right padding") })
        {
            if (value < 0 || value > 1 << 16)
            {
                throw new ArgumentOutOfRangeException(name, value, $"The {name} is {value}; it must be from 0 to {1 << 16}.");
            }
        }

        (KernelHeight, KernelWidth, StrideHeight, StrideWidth) = (kernelHeight, kernelWidth, strideHeight, strideWidth);
        (PadTop, PadLeft, PadBottom, PadRight) = (padTop, padLeft, padBottom, padRight);
        (DilationHeight, DilationWidth) = (dilationHeight, dilationWidth);
    }

    /// <summary>Kernel rows.</summary>
    public int KernelHeight { get; }

    /// <summary>Kernel columns.</summary>
    public int KernelWidth { get; }

    /// <summary>Step between windows, vertically.</summary>
    public int StrideHeight { get; }

    /// <summary>Step between windows, horizontally.</summary>
    public int StrideWidth { get; }

    /// <summary>Padding above the input.</summary>
    public int PadTop { get; }

    /// <summary>Padding left of the input.</summary>
    public int PadLeft { get; }

    /// <summary>Padding below the input.</summary>
    public int PadBottom { get; }

    /// <summary>Padding right of the input.</summary>
    public int PadRight { get; }

    /// <summary>Spacing between kernel rows.</summary>
    public int DilationHeight { get; }

    /// <summary>Spacing between kernel columns.</summary>
    public int DilationWidth { get; }

    /// <summary>Output rows for <paramref name="height"/> input rows, or 0 when the window does not fit.</summary>
    public int OutputHeight(int height, bool ceil = false) =>
        OutputSize(height, KernelHeight, StrideHeight, PadTop, PadBottom, DilationHeight, ceil);

    /// <summary>Output columns for <paramref name="width"/> input columns, or 0 when the window does not fit.</summary>
    public int OutputWidth(int width, bool ceil = false) =>
        OutputSize(width, KernelWidth, StrideWidth, PadLeft, PadRight, DilationWidth, ceil);

    /// <summary>Like <c>3x3 stride 2 pads (1,1,1,1)</c>.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{KernelHeight}x{KernelWidth} stride {StrideHeight}x{StrideWidth} pads ({PadTop},{PadLeft},{PadBottom},{PadRight}) dilation {DilationHeight}x{DilationWidth}");

    private static int OutputSize(int size, int kernel, int stride, int before, int after, int dilation, bool ceil)
    {
        long span = (long)dilation * (kernel - 1) + 1;
        long room = size + (long)before + after - span;
        if (room < 0)
        {
            return 0;
        }

        long count = (ceil ? (room + stride - 1) / stride : room / stride) + 1;
        if (ceil && (count - 1) * stride >= size + (long)before)
        {
            count--;
        }

        return (int)Math.Min(count, int.MaxValue);
    }
}
