using System.Runtime.CompilerServices;

namespace NativeBn.Kernels.Operators;

/// <summary>
/// The input gradient with batch statistics, <c>dx = a·dy + (a·(x - mean))·k + e</c> (u = dy, v = x; p0 = a,
/// p1 = k, p2 = mean, p3 = e), the per-channel form of
/// <c>dx = gamma·invstd/n · (n·dy - Σdy - x̂·Σ(dy·x̂))</c> with <c>a = gamma·invstd</c>,
/// <c>k = -invstd²·Σ(dy·(x-mean))/n</c>, <c>e = -gamma·invstd·Σdy/n</c>. Scaling <c>x - mean</c> by a first keeps
/// every factor in float range: the product <c>a·k</c> (<c>-gamma·invstd³·Σ(dy·(x-mean))/n</c>) underflows to 0 for
/// a standard deviation above about 1e13 and overflows below about 1e-13, while a and k each stay representable.
/// </summary>
internal readonly struct InputGradientOperator : IChannelMapOperator
{
    public static int ParameterCount => 4;

    public static bool ReadsSecondInput => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TF Invoke<TS, TF, TD>(TF u, TF v, TF p0, TF p1, TF p2, TF p3)
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct => TS.MultiplyAdd(TS.Multiply(TS.Subtract(v, p2), p0), p1, TS.MultiplyAdd(u, p0, p3));
}
