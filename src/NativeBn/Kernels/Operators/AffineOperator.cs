using System.Runtime.CompilerServices;

namespace NativeBn.Kernels.Operators;

/// <summary><c>y = u·scale + shift</c> (p0 = scale, p1 = shift): inference with folded statistics.</summary>
internal readonly struct AffineOperator : IChannelMapOperator
{
    public static int ParameterCount => 2;

    public static bool ReadsSecondInput => false;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TF Invoke<TS, TF, TD>(TF u, TF v, TF p0, TF p1, TF p2, TF p3)
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct => TS.MultiplyAdd(u, p0, p1);
}
