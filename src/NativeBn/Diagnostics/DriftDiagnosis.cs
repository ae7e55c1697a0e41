using System.Globalization;
using NativeBn.Data;
using NativeBn.Model;
using NativeBn.Model.Nodes;
using NativeBn.Network;
using NativeBn.Normalization;

namespace NativeBn.Diagnostics;

/// <summary>
/// Measures train/inference drift: recomputes each BatchNorm layer's exact population statistics over calibration
/// data, compares them channel by channel with the running averages, and measures the effect on accuracy and on the
/// predicted probabilities of evaluation data. Any model an <see cref="InferencePlan"/> runs can be diagnosed, dense
/// chains and convolutional graphs alike.
/// </summary>
public static class DriftDiagnosis
{
    /// <summary>Accuracy gap (in fractions) above which recalibration is recommended.</summary>
    public const double AccuracyThreshold = 0.005;

    /// <summary>Per-channel divergence (nats) above which a channel counts as drifted.</summary>
    public const double DivergenceThreshold = 0.05;

    /// <summary>Runs the diagnosis on <paramref name="description"/>, which is left unchanged.</summary>
    /// <exception cref="InvalidOperationException">The model has no BatchNorm node.</exception>
    public static DriftReport Run(ModelDescription description, Dataset calibration, Dataset evaluation, int worstChannels = 5)
    {
        ArgumentNullException.ThrowIfNull(description);
        ArgumentNullException.ThrowIfNull(evaluation);
        ModelDescription model = PopulationRecalibration.Run(description, calibration);
        var layers = new List<LayerDrift>();
        foreach (BatchNormNode node in model.BatchNorms)
        {
            layers.Add(Compare(node.Name, node.CreateEngine(), worstChannels));
        }

        (float[] runningProbabilities, int classes) = Probabilities(model, evaluation, InferenceRegime.Running);
        (float[] populationProbabilities, _) = Probabilities(model, evaluation, InferenceRegime.Population);
        double? running = evaluation.HasLabels ? Accuracy(runningProbabilities, evaluation, classes) : null;
        double? population = evaluation.HasLabels ? Accuracy(populationProbabilities, evaluation, classes) : null;
        double max = 0, sum = 0;
        for (int k = 0; k < runningProbabilities.Length; k++)
        {
            double difference = Math.Abs(runningProbabilities[k] - populationProbabilities[k]);
            max = Math.Max(max, difference);
            sum += difference;
        }

        (string verdict, string recommendation) = Judge(layers, running, population);
        return new DriftReport(layers, running, population, max, sum / runningProbabilities.Length, verdict, recommendation);
    }

    /// <summary>
    /// Class probabilities for every sample, <c>[Count, classes]</c>: the model's output where it ends in Softmax, the
    /// softmax of its outputs (taken as logits) otherwise.
    /// </summary>
    private static (float[] Probabilities, int Classes) Probabilities(ModelDescription model, Dataset data, InferenceRegime regime)
    {
        InferencePlan plan = InferencePlan.Build(model, regime);
        int classes = plan.OutputWidth;
        var outputs = new float[checked(data.Count * classes)];
        plan.PredictBatch(data.Features, outputs);
        if (model.EndsInSoftmax)
        {
            return (outputs, classes);
        }

        var probabilities = new float[outputs.Length];
        SoftmaxCrossEntropy.Softmax(outputs, probabilities, classes);
        return (probabilities, classes);
    }

    private static double Accuracy(float[] probabilities, Dataset data, int classes)
    {
        int correct = 0;
        for (int i = 0; i < data.Count; i++)
        {
            if (Evaluation.ArgMax(probabilities.AsSpan(i * classes, classes)) == data.Labels[i])
            {
                correct++;
            }
        }

        return (double)correct / data.Count;
    }

    private static LayerDrift Compare(string node, BatchNorm batchNorm, int worst)
    {
        double eps = batchNorm.Options.Conventions.Epsilon;
        var channels = new ChannelDrift[batchNorm.Channels];
        double meanDifference = 0, varianceDifference = 0;
        for (int c = 0; c < channels.Length; c++)
        {
            double muRun = batchNorm.RunningMean[c], muPop = batchNorm.PopulationMean[c];
            double varRun = batchNorm.RunningVariance[c], varPop = batchNorm.PopulationVariance[c];
            double sRun = varRun + eps, sPop = varPop + eps;
            double shift = Math.Abs(muRun - muPop) / Math.Sqrt(sPop);
            double divergence = 0.5 * (Math.Log(sRun / sPop) + (sPop + (muPop - muRun) * (muPop - muRun)) / sRun - 1);
            channels[c] = new ChannelDrift(c, muRun, muPop, varRun, varPop, shift, Math.Sqrt(sRun / sPop), divergence);
            meanDifference += shift;
            varianceDifference += Math.Abs(varRun - varPop) / sPop;
        }

        return new LayerDrift(node, channels.Length, meanDifference / channels.Length, varianceDifference / channels.Length,
            [.. channels.OrderByDescending(c => c.Divergence).Take(worst)]);
    }

    private static (string Verdict, string Recommendation) Judge(List<LayerDrift> layers, double? runningAccuracy, double? populationAccuracy)
    {
        CultureInfo inv = CultureInfo.InvariantCulture;
        ChannelDrift? worst = layers.SelectMany(l => l.WorstChannels).OrderByDescending(c => c.Divergence).FirstOrDefault();
        bool drifted = worst is not null && worst.Divergence > DivergenceThreshold;
        if (runningAccuracy is not { } running || populationAccuracy is not { } population)
        {
            return drifted
                ? (string.Create(inv, $"The running averages differ from the population statistics (worst channel {worst!.Channel}: mean off by {worst.MeanShift:F2} std, std ratio {worst.StdRatio:F2}); without labels the effect on accuracy is unknown."),
                    "Recalibrate (nativebn recalibrate); give labelled data to measure the effect on accuracy.")
                : ("The running averages match the population statistics of this data (no labels: accuracy not measured).",
                    "No action needed for these statistics; population statistics remain the safer choice when data or schedules change.");
        }

        double gap = population - running;
        if (gap > AccuracyThreshold)
        {
            return (
                string.Create(inv, $"The running averages hurt: accuracy is {running:P2} with them and {population:P2} with the exact population statistics ({gap * 100:F2} points)."),
                "Recalibrate (nativebn recalibrate) and predict with population statistics. If the running averages lag (high momentum as decay, few steps) or dropout feeds BatchNorm, the population statistics are the reliable ones.");
        }

        if (drifted)
        {
            return (
                string.Create(inv, $"The running averages differ from the population (worst channel {worst!.Channel}: mean off by {worst.MeanShift:F2} std, std ratio {worst.StdRatio:F2}), but accuracy barely moves ({running:P2} vs {population:P2})."),
                "Recalibrate to remove the drift cheaply; outputs will shift even where the predicted class does not.");
        }

        return (
            string.Create(inv, $"The running averages match the population statistics (accuracy {running:P2} vs {population:P2})."),
            "No action needed; population statistics remain the safer choice when training data or schedules change.");
    }
}
