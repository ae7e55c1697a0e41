using NativeBn.Data;
using NativeBn.Normalization;

namespace NativeBn.Network;

/// <summary>Accuracy and predictions of a model on a data set under an inference regime.</summary>
public static class Evaluation
{
    /// <summary>
    /// Fraction of samples classified correctly, predicting in consecutive batches of <paramref name="batchSize"/>
    /// (which matters only for <see cref="InferenceRegime.BatchStatistics"/>; other regimes give the same answer for
    /// any batch size). <paramref name="probabilities"/>, when given, receives <c>[Count, classes]</c>.
    /// </summary>
    /// <param name="model">The model.</param>
    /// <param name="data">Samples and labels.</param>
    /// <param name="regime">The statistics BatchNorm layers normalize with.</param>
    /// <param name="batchSize">Samples per forward pass.</param>
    /// <param name="probabilities">Receives the softmax of the logits, <c>[Count, classes]</c>, when given.</param>
    /// <param name="singleValue">For batch statistics: the single-value policy of this evaluation (null: each layer's own).</param>
    public static double Accuracy(
        Sequential model, Dataset data, InferenceRegime regime, int batchSize, float[]? probabilities = null, SingleValuePolicy? singleValue = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        int classes = model.OutputWidth;
        var logits = new float[checked(Math.Min(batchSize, model.MaxBatch) * classes)];
        int correct = 0;
        for (int start = 0; start < data.Count; start += batchSize)
        {
            int count = Math.Min(batchSize, data.Count - start);
            Span<float> output = logits.AsSpan(0, count * classes);
            model.Forward(data.Rows(start, count), count, regime, output, singleValue);
            if (probabilities is not null)
            {
                SoftmaxCrossEntropy.Softmax(output, probabilities.AsSpan(start * classes, count * classes), classes);
            }

            for (int k = 0; k < count; k++)
            {
                if (ArgMax(output.Slice(k * classes, classes)) == data.Labels[start + k])
                {
                    correct++;
                }
            }
        }

        return (double)correct / data.Count;
    }

    /// <summary>
    /// Fraction of samples whose largest output (the class) is their label, predicting each sample alone with
    /// <paramref name="plan"/>: any model a plan runs, convolutional ones included, in the plan's regime.
    /// </summary>
    /// <param name="plan">The model in a stored-statistics regime.</param>
    /// <param name="data">Samples of <see cref="InferencePlan.InputWidth"/> features, with labels.</param>
    public static double Accuracy(InferencePlan plan, Dataset data)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(data);
        Check.Length(data.Width, plan.InputWidth, nameof(data), "features per sample");
        var output = new float[plan.OutputWidth];
        int correct = 0;
        for (int i = 0; i < data.Count; i++)
        {
            plan.Predict(data.Sample(i), output);
            if (ArgMax(output) == data.Labels[i])
            {
                correct++;
            }
        }

        return (double)correct / data.Count;
    }

    /// <summary>Index of the largest value (the first one on ties).</summary>
    public static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }

        return best;
    }
}
