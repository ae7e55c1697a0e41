namespace NativeBn.Network;

/// <summary>The layer types a <see cref="Sequential"/> model holds (also their tags in the model file).</summary>
public enum LayerKind : byte
{
    /// <summary>Fully connected: <c>y = x·Wᵀ + b</c>.</summary>
    Dense = 1,

    /// <summary>Batch normalization over features (<see cref="TensorLayout.NC"/>).</summary>
    BatchNorm = 2,

    /// <summary><c>max(x, 0)</c>.</summary>
    Relu = 3,

    /// <summary>Inverted dropout in training, identity at inference.</summary>
    Dropout = 4,
}
