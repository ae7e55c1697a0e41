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
        inputGradient.Clear();
        for (int c = 0; c < channels; c++)
        {
            ReadOnlySpan<float> plane = x.Slice(c * height * width, height * width);
            Span<float> target = inputGradient.Slice(c * height * width, height * width);
            for (int i = 0, o = c * outputHeight * outputWidth; i < outputHeight; i++)
            {
                for (int j = 0; j < outputWidth; j++, o++)
                {
                    int at = ArgMax(window, height, width, plane, i, j, y[o]);
                    if (at >= 0)
                    {
                        target[at] += outputGradient[o];
                    }
                }
            }
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

    /// <summary>Index in the plane of the first window position holding <paramref name="max"/>, or -1.</summary>
    private static int ArgMax(Window2d window, int height, int width, ReadOnlySpan<float> plane, int i, int j, float max)
    {
        for (int r = 0; r < window.KernelHeight; r++)
        {
            int h = i * window.StrideHeight - window.PadTop + r * window.DilationHeight;
            for (int s = 0; s < window.KernelWidth && (uint)h < (uint)height; s++)
            {
                int v = j * window.StrideWidth - window.PadLeft + s * window.DilationWidth;
                if ((uint)v < (uint)width && plane[h * width + v].Equals(max))
                {
                    return h * width + v;
                }
            }
        }

        return -1;
    }
}
