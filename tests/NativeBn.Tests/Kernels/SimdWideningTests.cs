using System.Runtime.Intrinsics;
using NativeBn.Kernels;

namespace NativeBn.Tests.Kernels;

/// <summary>
/// The double arithmetic the statistics reductions rest on, at every width: widening loads give each float's exact
/// double in lane order, and <c>AddOnMultiplier</c> gives the bits of a plain double addition.
/// </summary>
public class SimdWideningTests
{
    private static readonly double[] Operands =
    [
        0d, -0d, 1d, -1d, 1e-310, -4.9e-324, double.Epsilon, 1e308, -1e308, double.MaxValue,
        double.PositiveInfinity, double.NegativeInfinity, 3.0000000000000004, 1e16, 1d / 3, -2.5e-17, 6.02214076e23,
    ];

    [Fact]
    public void WideningLoadsGiveEachFloatInLaneOrderAtEveryWidth()
    {
        var random = new Random(11);
        float[] source = new float[64];
        for (int i = 0; i < source.Length; i++)
        {
            source[i] = (float)((random.NextDouble() - 0.5) * Math.Pow(2, random.Next(-140, 120)));
        }

        source[5] = float.NaN;
        source[6] = -0f;
        source[7] = float.NegativeInfinity;
        foreach (int offset in new[] { 0, 1, 3, 17 })
        {
            Check<Simd512, Vector512<float>, Vector512<double>>(source, offset, "512");
            Check<Simd256, Vector256<float>, Vector256<double>>(source, offset, "256");
            Check<Simd128, Vector128<float>, Vector128<double>>(source, offset, "128");
            Check<SimdScalar, float, double>(source, offset, "scalar");
        }
    }

    [Fact]
    public void AddingOnTheMultiplierGivesTheBitsOfAPlainAdditionAtEveryWidth()
    {
        var random = new Random(5);
        var pairs = new List<(double Sum, double Value)>();
        foreach (double a in Operands)
        {
            foreach (double b in Operands)
            {
                pairs.Add((a, b));
            }
        }

        for (int i = 0; i < 2000; i++)
        {
            double a = (random.NextDouble() - 0.5) * Math.Pow(2, random.Next(-60, 60));
            pairs.Add((a, (random.NextDouble() - 0.5) * Math.Pow(2, random.Next(-60, 60))));
            pairs.Add((a, -a * (1 + (random.NextDouble() * 1e-15))));
        }

        foreach ((double sum, double value) in pairs)
        {
            double expected = sum + value;
            Compare(Add<Simd512, Vector512<float>, Vector512<double>>(sum, value), expected, sum, value, "512");
            Compare(Add<Simd256, Vector256<float>, Vector256<double>>(sum, value), expected, sum, value, "256");
            Compare(Add<Simd128, Vector128<float>, Vector128<double>>(sum, value), expected, sum, value, "128");
            Compare(Add<SimdScalar, float, double>(sum, value), expected, sum, value, "scalar");
        }
    }

    private static void Compare(double actual, double expected, double sum, double value, string width) =>
        Assert.True(
            double.IsNaN(expected) ? double.IsNaN(actual) : BitConverter.DoubleToInt64Bits(actual) == BitConverter.DoubleToInt64Bits(expected),
            $"{width}: {sum:R} + {value:R} gave {actual:R}, expected {expected:R}");

    private static double Add<TS, TF, TD>(double sum, double value)
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct
    {
        double[] lanes = new double[TS.Count];
        TD result = TS.AddOnMultiplier(TS.BroadcastDouble(sum), TS.BroadcastDouble(value));
        TS.StoreDoubles(result, result, ref lanes[0], 0);
        return lanes[0];
    }

    private static void Check<TS, TF, TD>(float[] source, int offset, string width)
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct
    {
        double[] lanes = new double[TS.Count];
        TS.LoadWidened(ref source[0], offset, out TD lower, out TD upper);
        TS.StoreDoubles(lower, upper, ref lanes[0], 0);
        for (int lane = 0; lane < TS.Count; lane++)
        {
            double expected = source[offset + lane];
            Assert.True(
                double.IsNaN(expected) ? double.IsNaN(lanes[lane]) : BitConverter.DoubleToInt64Bits(lanes[lane]) == BitConverter.DoubleToInt64Bits(expected),
                $"{width}: lane {lane} at offset {offset} gave {lanes[lane]:R}, expected {expected:R}");
        }
    }
}
