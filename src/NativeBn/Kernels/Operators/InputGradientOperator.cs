using System.Runtime.CompilerServices;

namespace NativeBn.Kernels.Operators;

/// <summary>
/// The input gradient with batch statistics, <c>dx = a·dy + b·(x - mean) + e</c> (u = dy, v = x; p0 = a,
/// p1 = b, p2 = mean, p3 = e), the per-channel form of
/// <c>dx = gamma·invstd/n · (n·dy - Σdy - x̂·Σ(dy·x̂))</c> with <c>a = gamma·invstd</c>,
/// <c>b = -gamma·invstd³·Σ(dy·(x-mean))/n</c>, <c>e = -gamma·invstd·Σdy/n</c>.
/// </summary>
internal readonly struct InputGradientOperator : IChannelMapOperator
{
    public static int ParameterCount => 4;

    public static bool ReadsSecondInput => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TF Invoke<TS, TF, TD>(TF u, TF v, TF p0, TF p1, TF p2, TF p3)
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct => TS.MultiplyAdd(TS.Subtract(v, p2), p1, TS.MultiplyAdd(u, p0, p3));
}
