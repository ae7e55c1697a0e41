namespace NativeBn.Kernels;

/// <summary>
/// An activation fused into the layer before it: <c>min(max(x, Low), High)</c> when <see cref="IsSet"/> (ReLU is
/// [0, +∞), ReLU6 and Clip give both bounds), the identity otherwise.
/// </summary>
internal readonly record struct Activation(bool IsSet, float Low, float High)
{
    public static Activation None => default;

    public static Activation Relu => new(true, 0f, float.PositiveInfinity);

    public static Activation Clamp(float low, float high) => new(true, low, high);

    /// <summary>The lower bound as a clamp applies it: -∞ when no activation is set.</summary>
    public float Lower => IsSet ? Low : float.NegativeInfinity;

    /// <summary>The upper bound as a clamp applies it: +∞ when no activation is set.</summary>
    public float Upper => IsSet ? High : float.PositiveInfinity;
}
