namespace NativeBn.Normalization;

/// <summary>What a momentum value means when running statistics are updated from a batch statistic <c>b</c>.</summary>
public enum MomentumConvention
{
    /// <summary>Weight of the new batch (PyTorch): <c>running = (1 - m)·running + m·b</c>.</summary>
    UpdateRate,

    /// <summary>Decay of the old value (Keras, TensorFlow, ONNX): <c>running = m·running + (1 - m)·b</c>.</summary>
    Decay,

    /// <summary>
    /// Equal weight for every batch seen (PyTorch <c>momentum=None</c>): the k-th update uses weight
    /// <c>1/k</c>, so the running value is the plain average of the k batch statistics. The momentum value is ignored.
    /// </summary>
    CumulativeAverage,
}
