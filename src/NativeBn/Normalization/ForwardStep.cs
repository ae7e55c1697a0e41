namespace NativeBn.Normalization;

/// <summary>The decisions of one forward pass, carried through the forward sequence of <see cref="BatchNorm"/>.</summary>
/// <param name="Shape">The batch's shape.</param>
/// <param name="Mode">The requested mode.</param>
/// <param name="NormalizeWith">The statistics actually used, after the single-value policy.</param>
/// <param name="NeedsBatchStatistics">Whether the batch's moments must be computed.</param>
/// <param name="Update">What happens to the running statistics.</param>
/// <param name="Count">Values per channel the batch statistics cover: the local batch's, or the whole synchronized batch's.</param>
internal readonly record struct ForwardStep(
    TensorShape Shape, BatchNormMode Mode, NormalizationStatistics NormalizeWith, bool NeedsBatchStatistics, RunningStatisticsUpdate Update, long Count);
