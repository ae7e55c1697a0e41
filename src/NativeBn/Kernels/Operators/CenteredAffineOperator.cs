using System.Runtime.CompilerServices;

namespace NativeBn.Kernels.Operators;

/// <summary>
/// <c>y = (u - mean)·scale + shift</c> (p0 = mean, p1 = scale, p2 = shift): the training-forward normalize step.
/// Centering first keeps full precision for data with a large offset, where the folded form
/// <c>u·scale + (shift - mean·scale)</c> would lose the digits the offset occupies.
/// </summary>
internal readonly struct CenteredAffineOperator : IChannelMapOperator
{
    public static int ParameterCount => 3;

    public static bool ReadsSecondInput => false;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TF Invoke<TS, TF, TD>(TF u, TF v, TF p0, TF p1, TF p2, TF p3)
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct => TS.MultiplyAdd(TS.Subtract(u, p0), p1, p2);
}
