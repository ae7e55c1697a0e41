using NativeBn.Kernels;
using NativeBn.Model;
using NativeBn.Model.Nodes;

namespace NativeBn.Tests.Kernels;

public class MaxPoolGradientTests
{
    /// <summary>
    /// Max pooling's input gradient on 2x2 windows of stride 2 and 3x3 of stride 3 (the disjoint windows' own path) and on the overlapping
    /// 3x3 stride-2 window with padding (the general path), at even and odd heights and at widths 2 to 70 (every tail of the 2x2 windows' vector path) in floor mode, with ties,
    /// NaN, infinities and both zeros among the inputs and -0 among the output gradients: each output's gradient lands on the first position of its window
    /// in row-major order whose value equals the window's forward output (NaN matching NaN), every other input position
    /// receives zero, and the rows and columns no window covers stay zero even where the gradient held values before.
    /// The oracle is a loop over windows written here, adding the outputs' gradients in output order.
    /// </summary>
    [Theory]
    [InlineData(2, 2, 0)]
    [InlineData(3, 3, 0)]
    [InlineData(3, 2, 1)]
    public void EachOutputsGradientGoesToTheFirstInputHoldingItsMaximum(int kernel, int stride, int pad)
    {
        var window = new Window2d(kernel, kernel, stride, stride, pad, pad, pad, pad);
        const int channels = 3;
        foreach (int height in new[] { 2, 3, 6, 7 })
        {
            for (int width = 2; width <= 70; width++)
            {
                int seed = height * 100 + width;
                float[] x = Inputs(channels * height * width, seed);
                var pooling = new Pooling(new PoolNode("pool", "x", PoolKind.Max, window), channels, height, width);
                int outputHeight = window.OutputHeight(height), outputWidth = window.OutputWidth(width);
                var y = new float[channels * outputHeight * outputWidth];
                pooling.Run(x, y, new float[Math.Max(1, pooling.ScratchLength)]);
                var random = new Random(seed + 1);
                float[] dy = [.. Enumerable.Range(0, y.Length).Select(_ => random.Next(10) == 0 ? -0f : (float)(random.NextDouble() * 2 - 1))];
                float[] dx = [.. Enumerable.Repeat(7f, x.Length)];

                PoolingGradients.Max(window, channels, height, width, false, x, y, dy, dx);

                float[] expected = Reference(window, channels, height, width, outputHeight, outputWidth, x, y, dy);
                for (int i = 0; i < x.Length; i++)
                {
                    Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(dx[i]), $"{kernel}x{kernel}/{stride} on {height}x{width}, input {i}: {dx[i]} vs {expected[i]}");
                }
            }
        }
    }

    private static float[] Reference(
        Window2d w, int channels, int height, int width, int outputHeight, int outputWidth, float[] x, float[] y, float[] dy)
    {
        var dx = new float[x.Length];
        for (int c = 0; c < channels; c++)
        {
            for (int i = 0; i < outputHeight; i++)
            {
                for (int j = 0; j < outputWidth; j++)
                {
                    int o = (c * outputHeight + i) * outputWidth + j;
                    int taken = -1;
                    for (int r = 0; r < w.KernelHeight && taken < 0; r++)
                    {
                        for (int s = 0; s < w.KernelWidth && taken < 0; s++)
                        {
                            int h = i * w.StrideHeight - w.PadTop + r, v = j * w.StrideWidth - w.PadLeft + s;
                            int at = (c * height + h) * width + v;
                            if (h >= 0 && h < height && v >= 0 && v < width && (x[at] == y[o] || (float.IsNaN(x[at]) && float.IsNaN(y[o]))))
                            {
                                taken = at;
                            }
                        }
                    }

                    if (taken >= 0)
                    {
                        dx[taken] += dy[o];
                    }
                }
            }
        }

        return dx;
    }

    /// <summary>Values from a small set (many ties), with NaN, infinities and both zeros sprinkled in.</summary>
    private static float[] Inputs(int count, int seed)
    {
        var random = new Random(seed);
        float[] specials = [float.NaN, float.PositiveInfinity, float.NegativeInfinity, 0f, -0f];
        return [.. Enumerable.Range(0, count).Select(_ => random.Next(12) == 0 ? specials[random.Next(specials.Length)] : random.Next(-3, 4) * 0.5f)];
    }
}
