namespace NativeBn.Normalization;

/// <summary>
/// The three independent switches of a forward pass. Frameworks tie them together (PyTorch <c>.train()</c>/<c>.eval()</c>,
/// Keras <c>trainable</c>); fine-tuning often needs them apart.
/// </summary>
/// <param name="NormalizeWith">Batch statistics, or stored running or population statistics.</param>
/// <param name="UpdateRunningStatistics">Blend this batch's statistics into the running statistics.</param>
/// <param name="TrainAffine">Compute gradients for gamma and beta in the following backward pass (zero otherwise).</param>
public readonly record struct BatchNormMode(
    NormalizationStatistics NormalizeWith, bool UpdateRunningStatistics, bool TrainAffine)
{
    /// <summary>
    /// What this call does with one value per channel, overriding the layer's <see cref="BatchNormOptions.SingleValue"/>;
    /// null (default) keeps the layer's. An evaluation that reproduces a symptom on purpose (batch statistics at batch 1)
    /// states its policy here instead of depending on how the model was configured.
    /// </summary>
    public SingleValuePolicy? SingleValue { get; init; }

    /// <summary>Ordinary training: batch statistics, running statistics updated, gamma and beta trained.</summary>
    public static BatchNormMode Training => new(NormalizationStatistics.Batch, true, true);

    /// <summary>Evaluation with running statistics; nothing is updated or trained.</summary>
    public static BatchNormMode Evaluation => new(NormalizationStatistics.Running, false, false);

    /// <summary>Fine-tuning with frozen statistics (Keras <c>trainable=False</c> statistics, PyTorch <c>.eval()</c> BN inside a training model) while gamma and beta still train.</summary>
    public static BatchNormMode FrozenStatistics => new(NormalizationStatistics.Running, false, true);

    /// <summary>A fully frozen layer inside a training model: running statistics, no updates, gamma and beta fixed.</summary>
    public static BatchNormMode Frozen => new(NormalizationStatistics.Running, false, false);
}
