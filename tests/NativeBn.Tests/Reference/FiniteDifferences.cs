namespace NativeBn.Tests.Reference;

/// <summary>Central finite differences of a loss computed in double, one value at a time.</summary>
internal static class FiniteDifferences
{
    /// <summary>
    /// d(loss)/d(values[i]) for every i: <paramref name="values"/> is changed in place by ±h (h = 1e-6·max(1, |v|)) around
    /// each value while <paramref name="loss"/> reads it, and restored.
    /// </summary>
    public static double[] Gradient(double[] values, Func<double> loss) => Gradient(values, loss, [.. Enumerable.Range(0, values.Length)]);

    /// <summary>d(loss)/d(values[i]) for each i of <paramref name="indices"/>, in their order (see the other overload).</summary>
    public static double[] Gradient(double[] values, Func<double> loss, int[] indices)
    {
        var gradient = new double[indices.Length];
        for (int j = 0; j < indices.Length; j++)
        {
            int i = indices[j];
            double original = values[i];
            double h = 1e-6 * Math.Max(1, Math.Abs(original));
            values[i] = original + h;
            double plus = loss();
            values[i] = original - h;
            double minus = loss();
            values[i] = original;
            gradient[j] = (plus - minus) / (2 * h);
        }

        return gradient;
    }
}
