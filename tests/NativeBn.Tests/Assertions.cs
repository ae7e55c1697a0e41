namespace NativeBn.Tests;

/// <summary>Element-wise comparisons with tolerances scaled to the value: |a - e| ≤ tol·max(1, |e|).</summary>
internal static class Assertions
{
    public static void Close(ReadOnlySpan<double> expected, ReadOnlySpan<float> actual, double tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Close(expected[i], actual[i], tolerance, what, i);
        }
    }

    public static void Close(ReadOnlySpan<double> expected, ReadOnlySpan<double> actual, double tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Close(expected[i], actual[i], tolerance, what, i);
        }
    }

    public static void Close(double expected, double actual, double tolerance, string what, int index = 0)
    {
        double error = Math.Abs(actual - expected);
        if (!(error <= tolerance * Math.Max(1, Math.Abs(expected))))
        {
            Assert.Fail($"{what}[{index}]: expected {expected:R}, got {actual:R} (error {error:E3}, tolerance {tolerance:E1}·max(1,|e|))");
        }
    }

    public static void Relative(double expected, double actual, double tolerance, string what)
    {
        double error = Math.Abs(actual - expected) / Math.Abs(expected);
        if (!(error <= tolerance))
        {
            Assert.Fail($"{what}: expected {expected:R}, got {actual:R} (relative error {error:E3}, tolerance {tolerance:E1})");
        }
    }

    public static void BitwiseEqual(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
            {
                Assert.Fail($"{what}[{i}]: {expected[i]:R} vs {actual[i]:R} differ bitwise");
            }
        }
    }

    public static void BitwiseEqual(ReadOnlySpan<double> expected, ReadOnlySpan<double> actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            if (BitConverter.DoubleToInt64Bits(expected[i]) != BitConverter.DoubleToInt64Bits(actual[i]))
            {
                Assert.Fail($"{what}[{i}]: {expected[i]:R} vs {actual[i]:R} differ bitwise");
            }
        }
    }
}
