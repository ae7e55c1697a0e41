using NativeBn.Kernels;

namespace NativeBn.Tests.Kernels;

public class GlobalPoolingTests
{
    [Fact]
    public void EachChannelsMeanMatchesADoubleSumAtEveryLength()
    {
        for (int positions = 1; positions <= 70; positions++)
        {
            const int channels = 3;
            float[] x = TestData.Gaussian(channels * positions, positions);
            var y = new float[channels];
            GlobalPooling.Average(x, channels, positions, y);
            for (int c = 0; c < channels; c++)
            {
                double expected = x.Skip(c * positions).Take(positions).Select(v => (double)v).Sum() / positions;
                Assert.True(Math.Abs(y[c] - expected) <= 1e-6 * (1 + Math.Abs(expected)), $"{positions} positions, channel {c}: {y[c]} vs {expected}");
            }
        }
    }

    [Fact]
    public void ShortInputsAreRefusedNamingTheSizes()
    {
        var error = Assert.Throws<ArgumentException>(() => GlobalPooling.Average(new float[10], 2, 6, new float[2]));
        Assert.Contains("12 inputs", error.Message);
    }
}
