namespace NativeBn;

/// <summary>
/// Memory layout of a dense, row-major float tensor passed to the engine. Statistics are always
/// per channel, over every other axis (N·H·W values per channel).
/// </summary>
public enum TensorLayout
{
    /// <summary>Feature batch <c>[N, C]</c>: sample n, channel c at index <c>n·C + c</c>.</summary>
    NC,

    /// <summary>Channels-first image batch <c>[N, C, H, W]</c>: index <c>((n·C + c)·H + h)·W + w</c> (PyTorch's default).</summary>
    NCHW,

    /// <summary>Channels-last image batch <c>[N, H, W, C]</c>: index <c>((n·H + h)·W + w)·C + c</c> (Keras' default).</summary>
    NHWC,
}
