using NativeBn.Model;
using NativeBn.Model.Nodes;

namespace NativeBn.Kernels;

/// <summary>
/// Window pooling and global average pooling of one sample <c>[C, H, W]</c>. Average windows divide by the positions
/// inside the input, or with count_include_pad by the window clipped to the padded input (PyTorch's divisor).
/// </summary>
internal static class PoolingKernels
{
    public static void Pool(
        ReadOnlySpan<float> x, int channels, int height, int width, PoolKind pool, Window2d window, bool ceilMode, bool countIncludePad, Span<float> y)
    {
        int outputHeight = window.OutputHeight(height, ceilMode), outputWidth = window.OutputWidth(width, ceilMode);
        for (int c = 0; c < channels; c++)
        {
            ReadOnlySpan<float> plane = x.Slice(c * height * width, height * width);
            Span<float> output = y.Slice(c * outputHeight * outputWidth, outputHeight * outputWidth);
            for (int i = 0; i < outputHeight; i++)
            {
                for (int j = 0; j < outputWidth; j++)
                {
                    int top = i * window.StrideHeight - window.PadTop, left = j * window.StrideWidth - window.PadLeft;
                    output[i * outputWidth + j] = pool == PoolKind.Max
                        ? Max(plane, height, width, window, top, left)
                        : Average(plane, height, width, window, top, left, countIncludePad);
                }
            }
        }
    }

    /// <summary><c>y[c] = mean of x[c, :, :]</c>, summed in double.</summary>
    public static void GlobalAverage(ReadOnlySpan<float> x, int channels, int positions, Span<float> y)
    {
        for (int c = 0; c < channels; c++)
        {
            double sum = 0;
            foreach (float value in x.Slice(c * positions, positions))
            {
                sum += value;
            }

            y[c] = (float)(sum / positions);
        }
    }

    private static float Max(ReadOnlySpan<float> plane, int height, int width, Window2d window, int top, int left)
    {
        float best = float.NegativeInfinity;
        for (int r = 0; r < window.KernelHeight; r++)
        {
            int h = top + r * window.DilationHeight;
            if ((uint)h >= (uint)height)
            {
                continue;
            }

            for (int s = 0; s < window.KernelWidth; s++)
            {
                int w = left + s * window.DilationWidth;
                if ((uint)w < (uint)width)
                {
                    float value = plane[h * width + w];
                    best = value > best || float.IsNaN(value) ? value : best;
                }
            }
        }

        return best;
    }

    private static float Average(ReadOnlySpan<float> plane, int height, int width, Window2d window, int top, int left, bool countIncludePad)
    {
        int bottom = Math.Min(top + window.KernelHeight, height + window.PadBottom);
        int right = Math.Min(left + window.KernelWidth, width + window.PadRight);
        int padded = (bottom - top) * (right - left);
        int h0 = Math.Max(top, 0), w0 = Math.Max(left, 0), h1 = Math.Min(bottom, height), w1 = Math.Min(right, width);
        double sum = 0;
        for (int h = h0; h < h1; h++)
        {
            for (int w = w0; w < w1; w++)
            {
                sum += plane[h * width + w];
            }
        }

        int divisor = countIncludePad ? padded : (h1 - h0) * (w1 - w0);
        return (float)(sum / divisor);
    }
}
