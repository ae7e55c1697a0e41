using NativeBn.Data;
using NativeBn.Network;
using NativeBn.Normalization;

namespace NativeBn.Cli;

/// <summary>
/// How an evaluation makes its predictions: the statistics BatchNorm normalizes with, and for batch statistics the
/// batch size. The regimes <c>evaluate</c> and <c>demo</c> report, defined once. Batch statistics at batch 1 show the
/// classic symptom of a model left in training mode; they normalize single values anyway (a stated policy of the
/// evaluation, not the model's), so every model can be shown the symptom.
/// </summary>
/// <param name="Name">As printed: batch-stats-n1, batch-stats-n32, running, population or folded.</param>
/// <param name="Regime">The statistics BatchNorm normalizes with.</param>
/// <param name="BatchSize">Samples per batch for batch statistics; 0 for stored statistics (any batch gives the same answer).</param>
/// <param name="Meaning">What the regime stands for.</param>
internal sealed record EvaluationRegime(string Name, InferenceRegime Regime, int BatchSize, string Meaning)
{
    public static EvaluationRegime BatchStatisticsOne { get; } = new("batch-stats-n1", InferenceRegime.BatchStatistics, 1,
        "batch statistics of one sample: a model left in training mode (the symptom)");

    public static EvaluationRegime BatchStatistics32 { get; } = new("batch-stats-n32", InferenceRegime.BatchStatistics, 32,
        "batch statistics of 32 samples: predictions depend on the batch");

    public static EvaluationRegime Running { get; } = new("running", InferenceRegime.Running, 0, "running averages");

    public static EvaluationRegime Population { get; } = new("population", InferenceRegime.Population, 0, "exact population statistics");

    public static EvaluationRegime Folded { get; } = new("folded", InferenceRegime.Folded, 0, "BatchNorm folded into the dense layer");

    /// <summary>Every regime, in report order.</summary>
    public static IReadOnlyList<EvaluationRegime> All { get; } = [BatchStatisticsOne, BatchStatistics32, Running, Population, Folded];

    /// <summary>The regimes whose names a user may pass to <c>--regime</c> (stored statistics).</summary>
    public static IReadOnlyList<EvaluationRegime> Stored { get; } = [Running, Population, Folded];

    /// <summary>Accuracy of <paramref name="model"/> on <paramref name="data"/> in this regime; <paramref name="probabilities"/> receives the softmax of the logits when given.</summary>
    public double Accuracy(Sequential model, Dataset data, float[]? probabilities = null) => Regime == InferenceRegime.BatchStatistics
        ? Evaluation.Accuracy(model, data, Regime, Math.Min(BatchSize, model.MaxBatch), probabilities, SingleValuePolicy.NormalizeAnyway)
        : Evaluation.Accuracy(model, data, Regime, model.MaxBatch, probabilities);

    /// <summary>Accuracy with batch statistics at <paramref name="batchSize"/> (the accuracy-against-batch-size curve).</summary>
    public static double BatchStatisticsAccuracy(Sequential model, Dataset data, int batchSize) =>
        Evaluation.Accuracy(model, data, InferenceRegime.BatchStatistics, batchSize, null, SingleValuePolicy.NormalizeAnyway);
}
