using NativeBn.Model;

namespace NativeBn.Kernels;

/// <summary>
/// 2-D convolution of one sample <c>[C, H, W]</c> into <c>[M, OH, OW]</c>: per group, the input patches are laid out as
/// columns (im2col, <c>[C/G·kH·kW, OH·OW]</c>; a 1x1 convolution with stride 1 and no padding reads the input
/// directly) and multiplied by the group's weights <c>[M/G, C/G·kH·kW]</c>, then the bias is added. Each sample is
/// computed alone, in a fixed order, so results do not depend on the batch a sample arrives in.
/// </summary>
internal static class ConvolutionKernels
{
    /// <summary>Floats of scratch <see cref="Forward"/> needs for this convolution and input size.</summary>
    public static long ScratchLength(Window2d window, int channels, int groups, int height, int width) =>
        IsPointwise(window) ? 0 : (long)(channels / groups) * window.KernelHeight * window.KernelWidth * window.OutputHeight(height) * window.OutputWidth(width);

    public static void Forward(
        ReadOnlySpan<float> x, int channels, int height, int width, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        int outputChannels, Window2d window, int groups, Span<float> y, Span<float> scratch)
    {
        int outputHeight = window.OutputHeight(height), outputWidth = window.OutputWidth(width);
        int positions = outputHeight * outputWidth, plane = height * width;
        int groupChannels = channels / groups, groupOutputs = outputChannels / groups;
        int depth = groupChannels * window.KernelHeight * window.KernelWidth;
        for (int g = 0; g < groups; g++)
        {
            ReadOnlySpan<float> input = x.Slice(g * groupChannels * plane, groupChannels * plane);
            ReadOnlySpan<float> columns;
            if (IsPointwise(window))
            {
                columns = input;
            }
            else
            {
                Span<float> im2col = scratch[..(depth * positions)];
                Columns(input, groupChannels, height, width, window, outputHeight, outputWidth, im2col);
                columns = im2col;
            }

            DenseKernels.Combine(weight.Slice(g * groupOutputs * depth, groupOutputs * depth), depth, 1, columns, depth, positions,
                y.Slice(g * groupOutputs * positions, groupOutputs * positions), groupOutputs);
        }

        for (int m = 0; m < outputChannels; m++)
        {
            float b = bias[m];
            Span<float> output = y.Slice(m * positions, positions);
            for (int p = 0; p < output.Length; p++)
            {
                output[p] += b;
            }
        }
    }

    private static bool IsPointwise(Window2d w) =>
        w is { KernelHeight: 1, KernelWidth: 1, StrideHeight: 1, StrideWidth: 1, PadTop: 0, PadLeft: 0, PadBottom: 0, PadRight: 0 };

    /// <summary>Row (c, r, s) of the column matrix holds input channel c shifted by kernel offset (r, s), zeros outside.</summary>
    private static void Columns(
        ReadOnlySpan<float> input, int channels, int height, int width, Window2d window, int outputHeight, int outputWidth, Span<float> columns)
    {
        int row = 0;
        for (int c = 0; c < channels; c++)
        {
            ReadOnlySpan<float> source = input.Slice(c * height * width, height * width);
            for (int r = 0; r < window.KernelHeight; r++)
            {
                for (int s = 0; s < window.KernelWidth; s++, row++)
                {
                    Span<float> target = columns.Slice(row * outputHeight * outputWidth, outputHeight * outputWidth);
                    for (int i = 0; i < outputHeight; i++)
                    {
                        int h = i * window.StrideHeight - window.PadTop + r * window.DilationHeight;
                        Span<float> line = target.Slice(i * outputWidth, outputWidth);
                        if ((uint)h >= (uint)height)
                        {
                            line.Clear();
                            continue;
                        }

                        ReadOnlySpan<float> inputRow = source.Slice(h * width, width);
                        for (int j = 0; j < outputWidth; j++)
                        {
                            int w = j * window.StrideWidth - window.PadLeft + s * window.DilationWidth;
                            line[j] = (uint)w < (uint)width ? inputRow[w] : 0f;
                        }
                    }
                }
            }
        }
    }
}
