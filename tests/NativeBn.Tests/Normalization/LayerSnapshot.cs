using NativeBn.Normalization;

namespace NativeBn.Tests.Normalization;

/// <summary>Everything observable about a layer, to show that a failed call changed nothing.</summary>
internal sealed record LayerSnapshot(string State)
{
    public static LayerSnapshot Of(BatchNorm layer)
    {
        var parts = new List<string>
        {
            Join(layer.Gamma), Join(layer.Beta), Join(layer.GammaGradient), Join(layer.BetaGradient),
            Join(layer.RunningMean), Join(layer.RunningVariance), Join(layer.PopulationMean), Join(layer.PopulationVariance),
            Join(layer.SavedMean), Join(layer.SavedVariance), Join(layer.SavedInverseStd),
            $"{layer.BatchesTracked} {layer.TrainingSteps} {layer.SkippedUpdates} {layer.PopulationCount} {layer.HasPopulationStatistics}",
        };
        var scale = new float[layer.Channels];
        var shift = new float[layer.Channels];
        layer.GetInferenceCoefficients(NormalizationStatistics.Running, scale, shift);
        parts.Add(Join(scale));
        parts.Add(Join(shift));
        return new LayerSnapshot(string.Join(" | ", parts));
    }

    private static string Join(ReadOnlySpan<float> values) => string.Join(",", values.ToArray().Select(v => BitConverter.SingleToInt32Bits(v)));

    private static string Join(ReadOnlySpan<double> values) => string.Join(",", values.ToArray().Select(v => BitConverter.DoubleToInt64Bits(v)));
}
