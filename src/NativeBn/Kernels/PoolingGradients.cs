using System.Runtime.CompilerServices;
using NativeBn.Model;

namespace NativeBn.Kernels;

/// <summary>
/// The backward pass of max and average pooling for one sample <c>[C, H, W]</c>: each output's gradient goes to the
/// input its window took (max: the first position in row-major window order that holds the maximum, as PyTorch
/// routes ties to one input) or is shared among the window's input positions (average: divided by the same count the
/// forward pass divided by). Padding positions receive nothing.
/// </summary>
internal static class PoolingGradients
{
    /// <summary>Input gradient of max pooling, given the forward input <paramref name="x"/> and output <paramref name="y"/>.</summary>
    public static void Max(Window2d window, int channels, int height, int width, bool ceilMode,
        ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> outputGradient, Span<float> inputGradient)
    {
        int outputHeight = window.OutputHeight(height, ceilMode), outputWidth = window.OutputWidth(width, ceilMode);
        int kernelHeight = window.KernelHeight, kernelWidth = window.KernelWidth, strideHeight = window.StrideHeight, strideWidth = window.StrideWidth;
        int padTop = window.PadTop, padLeft = window.PadLeft, dilationHeight = window.DilationHeight, dilationWidth = window.DilationWidth;
        if (strideHeight == kernelHeight && strideWidth == kernelWidth && padTop == 0 && padLeft == 0 && dilationHeight == 1 && dilationWidth == 1
            && outputHeight * kernelHeight <= height && outputWidth * kernelWidth <= width)
        {
            MaxDisjoint(channels, height, width, kernelHeight, kernelWidth, outputHeight, outputWidth, x, y, outputGradient, inputGradient);
            return;
        }

        int plane = height * width, outputPlane = outputHeight * outputWidth;
        inputGradient.Clear();
        for (int c = 0; c < channels; c++)
        {
            ReadOnlySpan<float> values = x.Slice(c * plane, plane);
            Span<float> target = inputGradient.Slice(c * plane, plane);
            ReadOnlySpan<float> maxima = y.Slice(c * outputPlane, outputPlane);
            ReadOnlySpan<float> gradients = outputGradient.Slice(c * outputPlane, outputPlane);
            for (int i = 0, o = 0; i < outputHeight; i++)
            {
                int top = i * strideHeight - padTop;
                for (int j = 0; j < outputWidth; j++, o++)
                {
                    int at = ArgMax(values, height, width, top, j * strideWidth - padLeft, kernelHeight, kernelWidth, dilationHeight, dilationWidth, maxima[o]);
                    if (at >= 0)
                    {
                        target[at] += gradients[o];
                    }
                }
            }
        }
    }

    /// <summary>
    /// <see cref="Max"/> for windows that tile the input without overlap (stride equal to the kernel, no padding or
    /// dilation, every window inside the input: floor mode, or ceil mode where it adds no window): every input position
    /// is written once, with its window's gradient or zero (the same values as adding into a cleared gradient: a gradient
    /// of -0 lands as +0), and the rows and columns no window covers are zeroed.
    /// </summary>
    private static void MaxDisjoint(int channels, int height, int width, int kernelHeight, int kernelWidth, int outputHeight, int outputWidth,
        ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> outputGradient, Span<float> inputGradient)
    {
        int plane = height * width, outputPlane = outputHeight * outputWidth, covered = outputWidth * kernelWidth;
        for (int c = 0; c < channels; c++)
        {
            ReadOnlySpan<float> values = x.Slice(c * plane, plane);
            Span<float> target = inputGradient.Slice(c * plane, plane);
            ReadOnlySpan<float> maxima = y.Slice(c * outputPlane, outputPlane);
            ReadOnlySpan<float> gradients = outputGradient.Slice(c * outputPlane, outputPlane);
            for (int i = 0, o = 0; i < outputHeight; i++)
            {
                int top = i * kernelHeight;
                target.Slice(top * width, kernelHeight * width).Clear();
                for (int j = 0; j < outputWidth; j++, o++)
                {
                    int at = ArgMax(values, height, width, top, j * kernelWidth, kernelHeight, kernelWidth, 1, 1, maxima[o]);
                    if (at >= 0)
                    {
                        target[at] = 0f + gradients[o];
                    }
                }
            }

            target[(outputHeight * kernelHeight * width)..].Clear();
        }
    }

    /// <summary>Input gradient of average pooling; <paramref name="counts"/> <c>[OH, OW]</c> are the forward divisors.</summary>
    public static void Average(Window2d window, int channels, int height, int width, bool ceilMode,
        ReadOnlySpan<float> counts, ReadOnlySpan<float> outputGradient, Span<float> inputGradient)
    {
        int outputHeight = window.OutputHeight(height, ceilMode), outputWidth = window.OutputWidth(width, ceilMode);
        inputGradient.Clear();
        for (int c = 0; c < channels; c++)
        {
            Span<float> target = inputGradient.Slice(c * height * width, height * width);
            for (int i = 0, o = c * outputHeight * outputWidth; i < outputHeight; i++)
            {
                for (int j = 0; j < outputWidth; j++, o++)
                {
                    float share = outputGradient[o] / counts[i * outputWidth + j];
                    for (int r = 0; r < window.KernelHeight; r++)
                    {
                        int h = i * window.StrideHeight - window.PadTop + r * window.DilationHeight;
                        for (int s = 0; s < window.KernelWidth && (uint)h < (uint)height; s++)
                        {
                            int v = j * window.StrideWidth - window.PadLeft + s * window.DilationWidth;
                            if ((uint)v < (uint)width)
                            {
                                target[h * width + v] += share;
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// Index in the plane of the first window position (row-major, the window's top-left at <paramref name="top"/>,
    /// <paramref name="left"/>, padding skipped) holding <paramref name="max"/>, or -1.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ArgMax(
        ReadOnlySpan<float> plane, int height, int width, int top, int left, int kernelHeight, int kernelWidth,
        int dilationHeight, int dilationWidth, float max)
    {
        for (int r = 0, h = top; r < kernelHeight; r++, h += dilationHeight)
        {
            if ((uint)h >= (uint)height)
            {
                continue;
            }

            for (int s = 0, v = left; s < kernelWidth; s++, v += dilationWidth)
            {
                if ((uint)v < (uint)width && plane[h * width + v].Equals(max))
                {
                    return h * width + v;
                }
            }
        }

        return -1;
    }
}
