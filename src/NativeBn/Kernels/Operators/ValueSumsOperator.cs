using System.Runtime.CompilerServices;

namespace NativeBn.Kernels.Operators;

/// <summary>The plain per-channel sum in double: <c>a += u</c> (a bias's gradient, u = dy); b and p are not used.</summary>
internal readonly struct ValueSumsOperator : IChannelSumsOperator
{
    public static bool ReadsSecondInput => false;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Accumulate<TS, TF, TD>(TD u, TD v, TD p, ref TD a, ref TD b)
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct =>
        a = TS.AddOnMultiplier(a, u);
}
