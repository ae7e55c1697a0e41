using System.Runtime.CompilerServices;

namespace NativeBn.Kernels.Operators;

/// <summary>
/// Shifted moments in double: <c>a += x - k</c>, <c>b += (x - k)²</c> (u = x, p = k, a value of the channel).
/// With the shift near the data, <c>M2 = b - a²/n</c> does not cancel catastrophically as the float
/// <c>E[x²] - E[x]²</c> does for data with a large offset.
/// </summary>
internal readonly struct ShiftedMomentsOperator : IChannelSumsOperator
{
    public static bool ReadsSecondInput => false;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Accumulate<TS, TF, TD>(TD u, TD v, TD p, ref TD a, ref TD b)
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct
    {
        TD d = TS.Subtract(u, p);
        a = TS.AddOnMultiplier(a, d);
        b = TS.MultiplyAdd(d, d, b);
    }
}
