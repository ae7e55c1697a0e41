using System.Runtime.CompilerServices;

namespace NativeBn.Kernels.Operators;

/// <summary><c>y = u·scale</c> (p0 = scale): the input gradient when normalizing with stored statistics.</summary>
internal readonly struct ScaleOperator : IChannelMapOperator
{
    public static int ParameterCount => 1;

    public static bool ReadsSecondInput => false;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TF Invoke<TS, TF, TD>(TF u, TF v, TF p0, TF p1, TF p2, TF p3)
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct => TS.Multiply(u, p0);
}
