using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace NativeBn.Kernels.Operators;

/// <summary>
/// Depthwise convolution: bias plus one weight per tap (weights <c>[C, taps]</c>), then the fused activation; channel c
/// of the planes the window runs over is channel <paramref name="firstChannel"/> + c of the layer.
/// </summary>
internal struct DepthwiseTaps(float[] weights, float[] bias, int taps, Activation activation, int firstChannel = 0) : IWindowOperator
{
    private int _offset;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TF Start<TS, TF, TD>(int channel)
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct
    {
        _offset = (firstChannel + channel) * taps;
        return TS.Broadcast(bias[firstChannel + channel]);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly TF Tap<TS, TF, TD>(int tap)
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct =>
        TS.Broadcast(Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(weights), _offset + tap));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly TF Step<TS, TF, TD>(TF value, TF inputs, TF tap)
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct =>
        TS.MultiplyAdd(tap, inputs, value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly TF Finish<TS, TF, TD>(TF value)
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct =>
        activation.IsSet ? TS.Min(TS.Max(value, TS.Broadcast(activation.Low)), TS.Broadcast(activation.High)) : value;
}
