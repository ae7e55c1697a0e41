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

    /// <summary>
    /// The clamp's gradient passes <c>dy</c> exactly where <c>low &lt; x &lt; high</c> and gives +0 elsewhere (at the bounds
    /// themselves, beyond them, at NaN, and at infinities that equal an infinite bound), at every length from 0 to 70 so that
    /// whole vectors and tails are both covered, against that comparison written here; -0 and NaN gradients pass as they are.
    /// </summary>
    [Theory]
    [InlineData(0f, 6f)]
    [InlineData(-0.4f, 0.9f)]
    [InlineData(float.NegativeInfinity, 1f)]
    [InlineData(0f, float.PositiveInfinity)]
    [InlineData(-3e38f, 3e38f)]
    public void TheClampGradientPassesExactlyInsideTheBounds(float low, float high)
    {
        float[] special = [low, high, 0f, -0f, 1e-40f, -1e-40f, float.NaN, float.PositiveInfinity, float.NegativeInfinity,
            BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(6f) - 1), 6.0000005f, -3.4e38f, 3.4e38f];
        for (int length = 0; length <= 70; length++)
        {
            float[] x = TestData.Uniform(length, 4000 + length, -2f, 8f);
            for (int i = 0; i < length; i += 2)
            {
                x[i] = special[i / 2 % special.Length];
            }

            float[] dy = TestData.Uniform(length, 5000 + length, -5f, 5f);
            for (int i = 1; i < length; i += 9)
            {
                dy[i] = i % 2 == 0 ? float.NaN : -0f;
            }

            var dx = new float[length];
            dx.AsSpan().Fill(float.NaN);
            ElementwiseKernels.ClampGradient(x, dy, dx, low, high);
            for (int i = 0; i < length; i++)
            {
                float expected = x[i] > low && x[i] < high ? dy[i] : 0f;
                Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(dx[i]),
                    $"[{low}, {high}], length {length}, index {i}: x = {x[i]:R}, dy = {dy[i]:R}, expected {expected:R}, got {dx[i]:R}");
            }
        }
    }

    /// <summary>
    /// The residual sum with its clamp gives <c>min(max(a + b, low), high)</c> (the float sum, IEEE-754 min and max) bit for
    /// bit at every length from 0 to 70, out of place and in place on either operand, so that the whole vectors and the
    /// narrower vectors and single floats of every tail are covered; special values (signed zeros, NaN, infinities,
    /// subnormals, and sums of -0) sit in every position class.
    /// </summary>
    [Theory]
    [InlineData(0f, 6f)]
    [InlineData(float.NegativeInfinity, float.PositiveInfinity)]
    [InlineData(-0.5f, 0.25f)]
    public void TheClampedSumMatchesTheScalarDefinitionAtEveryLength(float low, float high)
    {
        float[] special = [0f, -0f, 1e-40f, -1e-40f, float.NaN, float.PositiveInfinity, float.NegativeInfinity, 7f, -3f, 0.25f];
        for (int length = 0; length <= 70; length++)
        {
            float[] a = TestData.Uniform(length, 2000 + length, -8f, 8f);
            float[] b = TestData.Uniform(length, 3000 + length, -8f, 8f);
            for (int i = 0; i < length; i += 5)
            {
                a[i] = special[i / 5 % special.Length];
                b[i] = special[(i / 5 + 3) % special.Length];
            }

            for (int i = 3; i < length; i += 7)
            {
                (a[i], b[i]) = (-0f, -0f);
            }

            var expected = new float[length];
            for (int i = 0; i < length; i++)
            {
                expected[i] = MathF.Min(MathF.Max(a[i] + b[i], low), high);
            }

            var y = new float[length];
            y.AsSpan().Fill(float.NaN);
            ElementwiseKernels.AddClamp(a, b, y, low, high);
            Assertions.BitwiseEqual(expected, y, $"length {length}, out of place");

            float[] inA = (float[])a.Clone();
            ElementwiseKernels.AddClamp(inA, b, inA, low, high);
            Assertions.BitwiseEqual(expected, inA, $"length {length}, in place on a");

            float[] inB = (float[])b.Clone();
            ElementwiseKernels.AddClamp(a, inB, inB, low, high);
            Assertions.BitwiseEqual(expected, inB, $"length {length}, in place on b");
        }
    }
}
