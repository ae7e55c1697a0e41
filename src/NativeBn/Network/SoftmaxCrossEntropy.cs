namespace NativeBn.Network;

/// <summary>Softmax over logits and the mean cross-entropy loss against integer labels.</summary>
public static class SoftmaxCrossEntropy
{
    /// <summary>Writes <c>softmax(logits)</c> row by row (max-subtracted, so large logits do not overflow).</summary>
    public static void Softmax(ReadOnlySpan<float> logits, Span<float> probabilities, int classes)
    {
        for (int start = 0; start < logits.Length; start += classes)
        {
            ReadOnlySpan<float> row = logits.Slice(start, classes);
            Span<float> output = probabilities.Slice(start, classes);
            float max = float.NegativeInfinity;
            foreach (float v in row)
            {
                max = MathF.Max(max, v);
            }

            float sum = 0;
            for (int k = 0; k < classes; k++)
            {
                output[k] = MathF.Exp(row[k] - max);
                sum += output[k];
            }

            for (int k = 0; k < classes; k++)
            {
                output[k] /= sum;
            }
        }
    }

    /// <summary>
    /// Mean loss <c>-Σ log p[label]/N</c> over the batch; writes d(loss)/d(logits) = <c>(p - onehot)/N</c> into
    /// <paramref name="gradient"/>.
    /// </summary>
    public static float LossAndGradient(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, int classes, Span<float> gradient) =>
        LossAndGradient(logits, labels, classes, gradient, labels.Length);

    /// <summary>
    /// As <see cref="LossAndGradient(ReadOnlySpan{float}, ReadOnlySpan{int}, int, Span{float})"/> for one share of a
    /// batch of <paramref name="globalBatch"/> samples split across processes: the gradient is
    /// <c>(p - onehot)/globalBatch</c>, so that the shares' gradients sum to the whole batch's. Returns this share's
    /// mean loss.
    /// </summary>
    public static float LossAndGradient(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, int classes, Span<float> gradient, int globalBatch)
    {
        int batch = labels.Length;
        if (globalBatch < batch)
        {
            throw new ArgumentOutOfRangeException(nameof(globalBatch), globalBatch, $"globalBatch must be at least the {batch} samples of this share, got {globalBatch}.");
        }

        Softmax(logits[..(batch * classes)], gradient, classes);
        double loss = 0;
        float scale = 1f / globalBatch;
        for (int n = 0; n < batch; n++)
        {
            int label = labels[n];
            if ((uint)label >= (uint)classes)
            {
                throw new ArgumentOutOfRangeException(nameof(labels), label, $"labels[{n}] is {label}; labels must be in [0, {classes}).");
            }

            Span<float> row = gradient.Slice(n * classes, classes);
            loss -= Math.Log(Math.Max(row[label], 1e-30f));
            row[label] -= 1f;
            for (int k = 0; k < classes; k++)
            {
                row[k] *= scale;
            }
        }

        return (float)(loss / batch);
    }
}
