using NativeBn.Kernels;
using NativeBn.Model;
using NativeBn.Model.Nodes;

namespace NativeBn.Tests.Kernels;

public class MaxPoolAlongRowsTests
{
    private static readonly Window2d Stride2 = new(3, 3, 2, 2, 1, 1, 1, 1);

    /// <summary>
    /// Every even width from 2 to 76 (output rows of 1 to 38: every vector tail, and the widths the row kernel leaves to
    /// the other paths) on a few even heights, with NaN, infinities and both zeros among the inputs: each output is
    /// bitwise the maximum of its window's inputs inside the plane, NaN when one of them is NaN and +0 over -0.
    /// </summary>
    [Fact]
    public void EveryOutputIsItsWindowsMaximumAtEveryWidth()
    {
        const int channels = 3;
        foreach (int height in new[] { 2, 4, 10 })
        {
            for (int width = 2; width <= 76; width += 2)
            {
                float[] x = Inputs(channels * height * width, height * 100 + width);
                var pooling = new Pooling(new PoolNode("pool", "x", PoolKind.Max, Stride2), channels, height, width);
                var y = new float[channels * (height / 2) * (width / 2)];
                pooling.Run(x, y, new float[pooling.ScratchLength]);
                for (int c = 0; c < channels; c++)
                {
                    for (int i = 0; i < height / 2; i++)
                    {
                        for (int j = 0; j < width / 2; j++)
                        {
                            float expected = WindowMaximum(x.AsSpan(c * height * width, height * width), height, width, i, j);
                            float actual = y[(c * (height / 2) + i) * (width / 2) + j];
                            Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(actual),
                                $"{height}x{width}, channel {c}, output ({i}, {j}): {actual} vs {expected}");
                        }
                    }
                }
            }
        }
    }

    [Fact]
    public void ShortPlanesAreRefusedNamingTheSizes()
    {
        var kernel = new MaxPool3x3Stride2(8, 40);
        var error = Assert.Throws<ArgumentException>(() => kernel.Run(new float[2 * 8 * 40 - 1], new float[2 * 4 * 20], 2));
        Assert.Contains("640 inputs", error.Message);
    }

    [Fact]
    public void CeilModeAndOddPlanesAreLeftToTheOtherPaths()
    {
        Assert.False(MaxPool3x3Stride2.Fits(Stride2, 40, 40, ceilMode: true));
        Assert.False(MaxPool3x3Stride2.Fits(Stride2, 41, 40, ceilMode: false));
        Assert.False(MaxPool3x3Stride2.Fits(new Window2d(3, 3, 2, 2), 40, 40, ceilMode: false));
    }

    /// <summary>Gaussian values with every seventh a special one: NaN, +∞, -∞, -0 or +0.</summary>
    private static float[] Inputs(int length, int seed)
    {
        float[] x = TestData.Gaussian(length, seed);
        float[] special = [float.NaN, float.PositiveInfinity, float.NegativeInfinity, -0f, 0f];
        var random = new Random(seed);
        for (int i = 0; i < length; i += 7)
        {
            x[i] = special[random.Next(special.Length)];
        }

        for (int i = 3; i < length; i += 11)
        {
            x[i] = random.Next(2) == 0 ? -0f : 0f;
        }

        return x;
    }

    /// <summary>The definition, one comparison at a time: NaN if any input under the window is NaN, else the largest, +0 over -0.</summary>
    private static float WindowMaximum(ReadOnlySpan<float> plane, int height, int width, int i, int j)
    {
        float best = float.NegativeInfinity;
        for (int r = 2 * i - 1; r <= 2 * i + 1; r++)
        {
            for (int s = 2 * j - 1; s <= 2 * j + 1; s++)
            {
                if (r < 0 || r >= height || s < 0 || s >= width)
                {
                    continue;
                }

                float v = plane[r * width + s];
                if (float.IsNaN(v))
                {
                    return float.NaN;
                }

                if (v > best || (v == 0f && best == 0f && !float.IsNegative(v)))
                {
                    best = v;
                }
            }
        }

        return best;
    }
}
