namespace NativeBn.Diagnostics;

/// <summary>How far one channel's running statistics are from its population statistics.</summary>
/// <param name="Channel">Channel index.</param>
/// <param name="RunningMean">Running mean.</param>
/// <param name="PopulationMean">Population mean.</param>
/// <param name="RunningVariance">Running variance as stored (in the layer's bias convention).</param>
/// <param name="PopulationVariance">Population variance.</param>
/// <param name="MeanShift">|running mean - population mean| in population standard deviations.</param>
/// <param name="StdRatio">Running standard deviation over population standard deviation (eps included in both).</param>
/// <param name="Divergence">KL(population ‖ running) of the two Gaussians, in nats: the ranking of the worst channels.</param>
public sealed record ChannelDrift(
    int Channel, double RunningMean, double PopulationMean, double RunningVariance, double PopulationVariance,
    double MeanShift, double StdRatio, double Divergence);

/// <summary>Drift of one BatchNorm layer.</summary>
/// <param name="Node">The BatchNorm node's name.</param>
/// <param name="Channels">Number of channels.</param>
/// <param name="MeanRelativeMeanDifference">Mean over channels of |μ_run - μ_pop| / σ_pop.</param>
/// <param name="MeanRelativeVarianceDifference">Mean over channels of |σ²_run - σ²_pop| / σ²_pop.</param>
/// <param name="WorstChannels">The channels with the largest divergence, worst first.</param>
public sealed record LayerDrift(
    string Node, int Channels, double MeanRelativeMeanDifference, double MeanRelativeVarianceDifference,
    IReadOnlyList<ChannelDrift> WorstChannels);

/// <summary>Running against population statistics for a model: per layer, on accuracy and on outputs, and what to do.</summary>
/// <param name="Layers">Per BatchNorm layer.</param>
/// <param name="RunningAccuracy">Accuracy on the evaluation data with running statistics (null when it has no labels).</param>
/// <param name="PopulationAccuracy">Accuracy with population statistics (null when it has no labels).</param>
/// <param name="MaxProbabilityDrift">Largest |Δprobability| between the two over the evaluation data.</param>
/// <param name="MeanProbabilityDrift">Mean |Δprobability|.</param>
/// <param name="Verdict">Plain-language verdict.</param>
/// <param name="Recommendation">What to do about it.</param>
public sealed record DriftReport(
    IReadOnlyList<LayerDrift> Layers, double? RunningAccuracy, double? PopulationAccuracy,
    double MaxProbabilityDrift, double MeanProbabilityDrift, string Verdict, string Recommendation);
