namespace NativeBn.Normalization;

/// <summary>
/// Which batch variance is blended into the running variance. Normalization itself always uses the biased
/// batch variance <c>Σ(x - mean)²/n</c>; frameworks differ only in what they store.
/// </summary>
public enum RunningVarianceConvention
{
    /// <summary>Store the biased batch variance <c>M2/n</c> (Keras 3, ONNX).</summary>
    Biased,

    /// <summary>Store the unbiased batch variance <c>M2/(n - 1)</c> (PyTorch, TensorFlow's fused kernel).</summary>
    Unbiased,
}
