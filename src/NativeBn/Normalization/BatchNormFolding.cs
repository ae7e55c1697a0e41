namespace NativeBn.Normalization;

/// <summary>
/// Folds an inference-mode BatchNorm into the dense (fully connected) layer before it, so the pair becomes one
/// dense layer (PyTorch <c>torch.nn.utils.fusion</c>): per output o, with <c>scale = gamma/sqrt(var + eps)</c>,
/// <c>W'[o, :] = W[o, :]·scale[o]</c> and <c>b'[o] = (b[o] - mean[o])·scale[o] + beta[o]</c>, computed in double.
/// Only valid for inference: the folded layer no longer normalizes with batch statistics.
/// </summary>
public static class BatchNormFolding
{
    /// <summary>Writes the folded weights and bias.</summary>
    /// <param name="weights">Dense weights <c>[outputs, inputs]</c>, row-major (output-major, as PyTorch's <c>Linear.weight</c>).</param>
    /// <param name="bias">Dense bias, length <c>outputs</c>.</param>
    /// <param name="inputs">Inputs of the dense layer (at least 1).</param>
    /// <param name="batchNorm">The BatchNorm that follows; its channel count is the dense layer's <c>outputs</c>.</param>
    /// <param name="statistics"><see cref="NormalizationStatistics.Running"/> or <see cref="NormalizationStatistics.Population"/>.</param>
    /// <param name="foldedWeights">Receives <c>W'</c>, same layout and length as <paramref name="weights"/> (may be the same buffer).</param>
    /// <param name="foldedBias">Receives <c>b'</c>, length <c>outputs</c> (may be the same buffer as <paramref name="bias"/>).</param>
    public static void FoldIntoDense(
        ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, int inputs, BatchNorm batchNorm,
        NormalizationStatistics statistics, Span<float> foldedWeights, Span<float> foldedBias)
    {
        ArgumentNullException.ThrowIfNull(batchNorm);
        batchNorm.GetStatistics(statistics, out ReadOnlySpan<double> mean, out ReadOnlySpan<double> variance);
        FoldIntoDense(weights, bias, inputs, batchNorm.Gamma, batchNorm.Beta, mean, variance, batchNorm.Options.Conventions.Epsilon,
            foldedWeights, foldedBias);
    }

    /// <summary>Writes the folded weights and bias for explicit BatchNorm parameters and statistics (one per output each).</summary>
    public static void FoldIntoDense(
        ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, int inputs, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
        ReadOnlySpan<double> mean, ReadOnlySpan<double> variance, double epsilon, Span<float> foldedWeights, Span<float> foldedBias)
    {
        Check.Channels(inputs, nameof(inputs));
        int outputs = gamma.Length;
        long count = (long)outputs * inputs;
        string shape = $"[outputs = {outputs}, inputs = {inputs}]";
        Check.Length(weights.Length, count, nameof(weights), $"weights {shape}");
        Check.Length(foldedWeights.Length, count, nameof(foldedWeights), $"weights {shape}");
        Check.Length(bias.Length, outputs, nameof(bias), "one per output");
        Check.Length(foldedBias.Length, outputs, nameof(foldedBias), "one per output");
        Check.Length(beta.Length, outputs, nameof(beta), "one per output");
        Check.Length(mean.Length, outputs, nameof(mean), "one per output");
        Check.Length(variance.Length, outputs, nameof(variance), "one per output");
        for (int o = 0; o < outputs; o++)
        {
            double scale = gamma[o] / Math.Sqrt(variance[o] + epsilon);
            ReadOnlySpan<float> row = weights.Slice(o * inputs, inputs);
            Span<float> foldedRow = foldedWeights.Slice(o * inputs, inputs);
            for (int i = 0; i < inputs; i++)
            {
                foldedRow[i] = (float)(row[i] * scale);
            }

            foldedBias[o] = (float)((bias[o] - mean[o]) * scale + beta[o]);
        }
    }
}
