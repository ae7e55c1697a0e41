namespace NativeBn.Normalization;

/// <summary>What a training forward pass did.</summary>
/// <param name="NormalizedWith">The statistics the output was normalized with (may differ from the mode's under a policy).</param>
/// <param name="Update">What happened to the running statistics.</param>
public readonly record struct BatchNormForwardResult(NormalizationStatistics NormalizedWith, RunningStatisticsUpdate Update);
