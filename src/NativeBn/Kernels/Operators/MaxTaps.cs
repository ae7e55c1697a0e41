using System.Runtime.CompilerServices;

namespace NativeBn.Kernels.Operators;

/// <summary>The largest input of the window (padding holds negative infinity, so it never wins).</summary>
internal readonly struct MaxTaps : IWindowOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TF Start<TS, TF, TD>(int channel)
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct => TS.Broadcast(float.NegativeInfinity);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TF Tap<TS, TF, TD>(int tap)
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct => TS.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TF Step<TS, TF, TD>(TF value, TF inputs, TF tap)
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct => TS.Max(value, inputs);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TF Finish<TS, TF, TD>(TF value)
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct => value;
}
