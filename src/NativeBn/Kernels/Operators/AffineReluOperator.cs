using System.Runtime.CompilerServices;

namespace NativeBn.Kernels.Operators;

/// <summary><c>y = max(u·scale + shift, 0)</c> (p0 = scale, p1 = shift): inference fused with ReLU.</summary>
internal readonly struct AffineReluOperator : IChannelMapOperator
{
    public static int ParameterCount => 2;

    public static bool ReadsSecondInput => false;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TF Invoke<TS, TF, TD>(TF u, TF v, TF p0, TF p1, TF p2, TF p3)
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct => TS.Max(TS.MultiplyAdd(u, p0, p1), TS.Zero);
}
