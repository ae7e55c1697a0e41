namespace NativeBn.Network;

/// <summary>The layer types a <see cref="Sequential"/> model holds (also their tags in the model file).</summary>
public enum LayerKind : byte
{
    /// <summary>Fully connected: <c>y = x·Wᵀ + b</c>.</summary>
    Dense = 1,

    /// <summary>Batch normalization over features <c>[N, C]</c> or channels of <c>[N, C, H, W]</c>.</summary>
    BatchNorm = 2,

    /// <summary><c>max(x, 0)</c>.</summary>
    Relu = 3,

    /// <summary>Inverted dropout in training, identity at inference.</summary>
    Dropout = 4,

    /// <summary>2-D convolution on <c>[N, C, H, W]</c>.</summary>
    Conv2d = 5,

    /// <summary>Max or average pooling on <c>[N, C, H, W]</c>.</summary>
    Pool = 6,

    /// <summary>Mean of each channel's plane.</summary>
    GlobalAveragePool = 7,

    /// <summary><c>min(max(x, low), high)</c>.</summary>
    Clip = 8,
}
