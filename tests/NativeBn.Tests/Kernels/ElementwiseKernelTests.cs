using NativeBn.Kernels;

namespace NativeBn.Tests.Kernels;

public class ElementwiseKernelTests
{
    /// <summary>
    /// The ReLU gradient passes <c>dy</c> exactly where the output is greater than 0 and gives +0 elsewhere (at 0, -0,
    /// negative values and NaN), at every length from 0 to 70 so that whole vectors and tails are both covered.
    /// </summary>
    [Fact]
    public void TheReluGradientPassesExactlyWhereTheOutputIsPositive()
    {
        float[] special = [0f, -0f, 1e-40f, -1e-40f, float.NaN, float.PositiveInfinity, float.NegativeInfinity, 3f, -2f];
        for (int length = 0; length <= 70; length++)
        {
            float[] y = TestData.Uniform(length, length, -1f, 1f);
            for (int i = 0; i < length; i += 3)
            {
                y[i] = special[i / 3 % special.Length];
            }

            float[] dy = TestData.Uniform(length, 1000 + length, -5f, 5f);
            var dx = new float[length];
            dx.AsSpan().Fill(float.NaN);
            ElementwiseKernels.ReluGradient(y, dy, dx);
            for (int i = 0; i < length; i++)
            {
                float expected = y[i] > 0 ? dy[i] : 0f;
                Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(dx[i]),
                    $"length {length}, index {i}: y = {y[i]:R}, dy = {dy[i]:R}, expected {expected:R}, got {dx[i]:R}");
            }
        }
    }
}
