namespace NativeBn.Network;

/// <summary>Seeded weight initialization of a dense layer (biases start at 0).</summary>
public enum Initialization
{
    /// <summary>He (Kaiming) normal: <c>N(0, 2/fan_in)</c>, for layers followed by ReLU.</summary>
    He,

    /// <summary>Xavier (Glorot) uniform: <c>U(-a, a)</c>, <c>a = sqrt(6/(fan_in + fan_out))</c>.</summary>
    Xavier,
}
