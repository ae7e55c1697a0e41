namespace NativeBn.Mpi.Tests;

/// <summary>Element-wise comparison: |actual − expected| ≤ tolerance·max(|expected|, floor).</summary>
internal static class Closeness
{
    public static void Assert(IReadOnlyList<double> expected, IReadOnlyList<double> actual, double tolerance, string what, double floor = 1)
    {
        Xunit.Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            double error = Math.Abs(actual[i] - expected[i]);
            if (!(error <= tolerance * Math.Max(Math.Abs(expected[i]), floor)))
            {
                Xunit.Assert.Fail($"{what}[{i}]: expected {expected[i]:R}, got {actual[i]:R} (error {error:E3}, tolerance {tolerance:E0}·max(|e|, {floor:G3}))");
            }
        }
    }

    public static double[] Of(ReadOnlySpan<float> values) => [.. values.ToArray().Select(v => (double)v)];
}
