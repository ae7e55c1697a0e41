using System.Runtime.InteropServices;
using NativeBn.Kernels;

namespace NativeBn.Tests.Kernels;

/// <summary>
/// Channels-last tiles visit their blocks first to last or last to first, depending on where the output sits relative
/// to the input: every placement gives the exact result, in place included, and the order follows the rule.
/// </summary>
public class TiledRowOrderTests
{
    [Theory]
    [InlineData(16)]
    [InlineData(100)]
    [InlineData(256)]
    [InlineData(512)]
    [InlineData(768)]
    [InlineData(1024)]
    [InlineData(2048)]
    public void EveryPlacementOfTheOutputGivesTheExactAffine(int channels)
    {
        foreach (int rows in new[] { 4, 9 })
        {
            int n = rows * channels;
            float[] x = Values(n, 1), scale = Scales(channels), shift = Values(channels, 2);
            float[] expected = Reference(x, scale, shift, channels);
            var buffer = new float[2 * n + 1024];
            for (int gap = 0; gap < 1024; gap += channels % 1024 == 0 ? 1 : 5)
            {
                foreach (bool outputFirst in new[] { false, true })
                {
                    Span<float> input = buffer.AsSpan(outputFirst ? n + gap : 0, n);
                    Span<float> output = buffer.AsSpan(outputFirst ? 0 : n + gap, n);
                    output.Fill(float.NaN);
                    x.CopyTo(input);
                    LayerKernels.AffineRows(input, scale, shift, output, rows, relu: false);
                    Assertions.BitwiseEqual(expected, output.ToArray(), $"C={channels} rows={rows} gap={gap} output first={outputFirst}");
                }
            }

            float[] inPlace = (float[])x.Clone();
            LayerKernels.AffineRows(inPlace, scale, shift, inPlace, rows, relu: false);
            Assertions.BitwiseEqual(expected, inPlace, $"C={channels} rows={rows} in place");
        }
    }

    [Fact]
    public void TilesRunLastToFirstOnlyWhenTheOutputSitsJustAfterTheInputModuloTheRowPeriod()
    {
        var buffer = new float[4096];
        ref float input = ref buffer[0];
        Assert.False(BlockOrder.Descending(ref input, ref input, 1024), "in place");
        Assert.True(BlockOrder.Descending(ref input, ref buffer[16], 1024), "64 bytes after, C = 1024");
        Assert.True(BlockOrder.Descending(ref input, ref buffer[512], 1024), "2048 bytes after, C = 1024");
        Assert.False(BlockOrder.Descending(ref input, ref buffer[513], 1024), "2052 bytes after, C = 1024");
        Assert.False(BlockOrder.Descending(ref input, ref buffer[1024], 1024), "4096 bytes after, C = 1024");
        Assert.True(BlockOrder.Descending(ref buffer[1029], ref buffer[6], 1024), "4 bytes after modulo 4096");
        Assert.False(BlockOrder.Descending(ref buffer[16], ref input, 1024), "64 bytes before, C = 1024");
        Assert.False(BlockOrder.Descending(ref input, ref buffer[512], 512), "2048 bytes after: one period of C = 512");
        Assert.True(BlockOrder.Descending(ref input, ref buffer[528], 512), "2112 bytes after, C = 512");
        Assert.True(BlockOrder.Descending(ref input, ref buffer[4], 16), "16 bytes after, C = 16 (period 64)");
        Assert.False(BlockOrder.Descending(ref input, ref buffer[1], 100), "C = 100: period 16 bytes, under a line");
    }

    /// <summary>Dyadic values whose products with <see cref="Scales"/> and sums with a shift are exact in float.</summary>
    private static float[] Values(int length, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, length).Select(_ => random.Next(-4096, 4096) / 16f)];
    }

    private static float[] Scales(int length)
    {
        var random = new Random(3);
        return [.. Enumerable.Range(0, length).Select(_ => random.Next(-64, 64) / 8f)];
    }

    private static float[] Reference(float[] x, float[] scale, float[] shift, int channels)
    {
        var y = new float[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            int c = i % channels;
            y[i] = (float)((double)x[i] * scale[c] + shift[c]);
        }

        return y;
    }
}
