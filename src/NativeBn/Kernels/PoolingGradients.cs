using System.Numerics;
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
    /// of -0 lands as +0), and the rows and columns no window covers are zeroed. 2x2 windows go through
    /// <see cref="Max2x2"/>.
    /// </summary>
    private static void MaxDisjoint(int channels, int height, int width, int kernelHeight, int kernelWidth, int outputHeight, int outputWidth,
        ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> outputGradient, Span<float> inputGradient)
    {
        int plane = height * width, outputPlane = outputHeight * outputWidth;
        bool pairs = kernelHeight == 2 && kernelWidth == 2;
        for (int c = 0; c < channels; c++)
        {
            ReadOnlySpan<float> values = x.Slice(c * plane, plane);
            Span<float> target = inputGradient.Slice(c * plane, plane);
            ReadOnlySpan<float> maxima = y.Slice(c * outputPlane, outputPlane);
            ReadOnlySpan<float> gradients = outputGradient.Slice(c * outputPlane, outputPlane);
            for (int i = 0; i < outputHeight; i++)
            {
                int top = i * kernelHeight, row = i * outputWidth;
                if (pairs)
                {
                    Max2x2(values.Slice(top * width, 2 * width), maxima.Slice(row, outputWidth), gradients.Slice(row, outputWidth), target.Slice(top * width, 2 * width));
                    continue;
                }

                target.Slice(top * width, kernelHeight * width).Clear();
                for (int j = 0; j < outputWidth; j++)
                {
                    int at = ArgMax(values, height, width, top, j * kernelWidth, kernelHeight, kernelWidth, 1, 1, maxima[row + j]);
                    if (at >= 0)
                    {
                        target[at] = 0f + gradients[row + j];
                    }
                }
            }

            target[(outputHeight * kernelHeight * width)..].Clear();
        }
    }

    /// <summary>
    /// The 2x2 windows of one row of outputs, without branches: where the CPU has vectors, <see cref="Vector{T}"/>.Count
    /// windows at a time, the two input rows (<paramref name="rows"/>, each of width W) read as 64-bit pairs, one window
    /// row each, and compared with the window's maximum duplicated into both halves; the windows left over one at a
    /// time with the same masks in scalars. A match counts only where no earlier position of the window (row-major)
    /// matched; the taken position receives <c>0 + gradient</c>, the others zero, and the columns past the last window
    /// (an odd W) are zeroed.
    /// </summary>
    private static void Max2x2(ReadOnlySpan<float> rows, ReadOnlySpan<float> maxima, ReadOnlySpan<float> gradients, Span<float> target)
    {
        int width = rows.Length / 2, step = Vector<float>.Count, j = 0;
        ReadOnlySpan<float> bottom = rows[width..];
        Span<float> below = target[width..];
        if (Vector.IsHardwareAccelerated)
        {
            for (; j + step <= maxima.Length; j += step)
            {
                Vector.Widen(Vector.AsVectorUInt32(new Vector<float>(maxima[j..])), out Vector<ulong> maximaLow, out Vector<ulong> maximaHigh);
                Vector.Widen(Vector.AsVectorUInt32(Vector<float>.Zero + new Vector<float>(gradients[j..])), out Vector<ulong> gradientsLow, out Vector<ulong> gradientsHigh);
                Route(rows, bottom, target, below, 2 * j, Pairs(maximaLow), Pairs(gradientsLow));
                Route(rows, bottom, target, below, 2 * j + step, Pairs(maximaHigh), Pairs(gradientsHigh));
            }
        }

        for (; j < maxima.Length; j++)
        {
            int at = 2 * j, gradient = BitConverter.SingleToInt32Bits(0f + gradients[j]);
            float max = maxima[j];
            int first = Match(rows[at], max), second = Match(rows[at + 1], max) & ~first, above = first | second;
            int third = Match(bottom[at], max) & ~above, fourth = Match(bottom[at + 1], max) & ~(above | third);
            target[at] = BitConverter.Int32BitsToSingle(gradient & first);
            target[at + 1] = BitConverter.Int32BitsToSingle(gradient & second);
            below[at] = BitConverter.Int32BitsToSingle(gradient & third);
            below[at + 1] = BitConverter.Int32BitsToSingle(gradient & fourth);
        }

        target[(2 * j)..width].Clear();
        below[(2 * j)..].Clear();
    }

    /// <summary>All ones where <paramref name="value"/> equals <paramref name="max"/> (NaN matching NaN), else zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Match(float value, float max) => -Unsafe.BitCast<bool, byte>((value == max) | (float.IsNaN(value) & float.IsNaN(max)));

    /// <summary>Each 32-bit value in both halves of its 64-bit lane.</summary>
    private static Vector<ulong> Pairs(Vector<ulong> values) => values | Vector.ShiftLeft(values, 32);

    /// <summary>One vector of window columns starting at <paramref name="at"/> of both rows.</summary>
    private static void Route(
        ReadOnlySpan<float> top, ReadOnlySpan<float> bottom, Span<float> targetTop, Span<float> targetBottom, int at, Vector<ulong> maxima, Vector<ulong> gradients)
    {
        Vector<float> max = Vector.AsVectorSingle(maxima);
        Vector<ulong> first = First(Matches(new Vector<float>(top[at..]), max));
        Vector<ulong> taken = first | Vector.ShiftLeft(first, 32) | Vector.ShiftRightLogical(first, 32);
        Vector<ulong> second = First(Vector.AndNot(Matches(new Vector<float>(bottom[at..]), max), taken));
        Vector.AsVectorSingle(first & gradients).CopyTo(targetTop[at..]);
        Vector.AsVectorSingle(second & gradients).CopyTo(targetBottom[at..]);
    }

    /// <summary>All ones in each 32-bit half where <paramref name="values"/> equals <paramref name="max"/> (NaN matching NaN).</summary>
    private static Vector<ulong> Matches(Vector<float> values, Vector<float> max) => Vector.AsVectorUInt64(
        Vector.Equals(values, max) | ~(Vector.Equals(values, values) | Vector.Equals(max, max)));

    /// <summary>Of each 64-bit lane's two matches, the odd (upper) one only where the even (lower) one did not match.</summary>
    private static Vector<ulong> First(Vector<ulong> matches) => Vector.AndNot(matches, Vector.ShiftLeft(matches, 32));

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
