using System.Runtime.CompilerServices;

namespace NativeBn.Kernels.Operators;

/// <summary>
/// The backward reductions in double: <c>a += dy</c>, <c>b += dy·(x - mean)</c> (u = dy, v = x, p = mean);
/// <c>Σ(dy·x̂) = invstd·b</c>.
/// </summary>
internal readonly struct GradientSumsOperator : IChannelSumsOperator
{
    public static bool ReadsSecondInput => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Accumulate<TS, TF, TD>(TD u, TD v, TD p, ref TD a, ref TD b)
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct
    {
        a = TS.AddOnMultiplier(a, u);
        b = TS.MultiplyAdd(u, TS.Subtract(v, p), b);
    }
}
