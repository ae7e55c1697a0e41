using NativeBn.Kernels;

namespace NativeBn.Tests.Kernels;

public class DepthwiseAlongRowsTests
{
    /// <summary>
    /// The 3x3 depthwise kernel of stride 1 and padding 1 on every width from 3 to 40 and a few heights (runs of every
    /// length, so every vector width and every tail), channels taken from the middle of the weights: each output is the
    /// bias plus its taps inside the plane, then clamped, against a double-precision reference within the float rounding
    /// bound of a sum of ten terms.
    /// </summary>
    [Fact]
    public void EveryOutputIsItsWindowsSumAtEveryWidth()
    {
        const int channels = 3, first = 1;
        var activation = Activation.Clamp(-1f, 1.5f);
        foreach (int height in new[] { 3, 4, 7, 12 })
        {
            for (int width = 3; width <= 40; width++)
            {
                int plane = height * width;
                float[] x = TestData.Gaussian(channels * plane, height * 100 + width), weights = TestData.Gaussian((first + channels) * 9, width);
                float[] bias = TestData.Gaussian(first + channels, height);
                var y = new float[channels * plane];
                new Depthwise3x3(height, width).Run(x, y, channels, first, weights, bias, activation, default);
                for (int c = 0; c < channels; c++)
                {
                    for (int i = 0; i < height; i++)
                    {
                        for (int j = 0; j < width; j++)
                        {
                            double sum = bias[first + c], magnitude = Math.Abs(sum);
                            for (int r = 0; r < 3; r++)
                            {
                                for (int s = 0; s < 3; s++)
                                {
                                    int row = i + r - 1, column = j + s - 1;
                                    if (row >= 0 && row < height && column >= 0 && column < width)
                                    {
                                        double term = (double)weights[(first + c) * 9 + r * 3 + s] * x[c * plane + row * width + column];
                                        sum += term;
                                        magnitude += Math.Abs(term);
                                    }
                                }
                            }

                            double expected = Math.Clamp(sum, -1, 1.5), actual = y[c * plane + i * width + j];
                            Assert.True(Math.Abs(actual - expected) <= 10 * 1.2e-7 * magnitude + 1e-30,
                                $"{height}x{width}, channel {c}, output ({i}, {j}): {actual} vs {expected}");
                        }
                    }
                }
            }
        }
    }
}
