using System.Runtime.CompilerServices;

namespace NativeBn.Kernels.Operators;

/// <summary>The sum of the window's inputs in tap order (padding holds zeros); the pooling divides by each window's count.</summary>
internal readonly struct SumTaps : IWindowOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TF Start<TS, TF, TD>(int channel)
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct => TS.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TF Tap<TS, TF, TD>(int tap)
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct => TS.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TF Step<TS, TF, TD>(TF value, TF inputs, TF tap)
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct => TS.Add(value, inputs);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TF Finish<TS, TF, TD>(TF value)
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct => value;
}
