using System.Runtime.Intrinsics;
using NativeBn.Kernels;

namespace NativeBn.Tests.Kernels;

public class SimdClampTests
{
    private static readonly float[] Values = [float.NaN, -1f, 0.5f, 7f, 0f, -0f, float.PositiveInfinity, float.NegativeInfinity, 6f];

    private static readonly float[] Expected = [float.NaN, 0f, 0.5f, 6f, 0f, 0f, 6f, 0f, 6f];

    private static float[] Clamp<TS, TF, TD>()
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct
    {
        var lanes = new float[TS.Count];
        var result = new float[Values.Length];
        for (int i = 0; i < Values.Length; i++)
        {
            TS.Store(TS.Clamp(TS.Broadcast(Values[i]), TS.Broadcast(0f), TS.Broadcast(6f)), ref lanes[0], 0);
            result[i] = lanes[TS.Count - 1];
        }

        return result;
    }

    [Fact]
    public void ClampKeepsNaNAndLimitsEverythingElseAtEveryWidth()
    {
        foreach ((string width, float[] actual) in new[]
        {
            ("512", Clamp<Simd512, Vector512<float>, Vector512<double>>()),
            ("256", Clamp<Simd256, Vector256<float>, Vector256<double>>()),
            ("128", Clamp<Simd128, Vector128<float>, Vector128<double>>()),
            ("scalar", Clamp<SimdScalar, float, double>()),
        })
        {
            for (int i = 0; i < Values.Length; i++)
            {
                Assert.True(
                    float.IsNaN(Expected[i]) ? float.IsNaN(actual[i]) : actual[i] == Expected[i],
                    $"{width}: clamp({Values[i]}) to [0, 6] gave {actual[i]}, expected {Expected[i]}");
            }
        }
    }
}
