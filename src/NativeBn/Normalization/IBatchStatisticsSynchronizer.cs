namespace NativeBn.Normalization;

/// <summary>
/// Makes a <see cref="BatchNorm"/> normalize with the statistics of a batch split across participants (the processes
/// of a data-parallel job): set it as <see cref="BatchNormOptions.Synchronizer"/> on the layer of every participant.
/// Every participant must then call <see cref="BatchNorm.Forward"/> (or <see cref="BatchNorm.ForwardWithoutData"/>)
/// and <see cref="BatchNorm.Backward"/> (or <see cref="BatchNorm.BackwardWithoutData"/>) with the same mode, in the
/// same order, since each call may be a collective operation. Implementations must give every participant bit-identical
/// results, so that all of them keep identical running statistics.
/// </summary>
public interface IBatchStatisticsSynchronizer
{
    /// <summary>
    /// Exchanges every participant's per-channel batch moments and replaces <paramref name="mean"/> and
    /// <paramref name="m2"/> (sum of squared deviations) with those of the whole batch, merged in participant order.
    /// </summary>
    /// <param name="count">Values per channel in this participant's part (0 when it holds none), or -1 when its call
    /// failed locally; then every participant throws <see cref="BatchSynchronizationException"/>.</param>
    /// <param name="mean">This participant's per-channel mean (ignored for count 0), length C; receives the global mean.</param>
    /// <param name="m2">This participant's per-channel M2 (ignored for count 0), length C; receives the global M2.</param>
    /// <returns>The number of values per channel in the whole batch.</returns>
    long MergeMoments(long count, Span<double> mean, Span<double> m2);

    /// <summary>
    /// Sums <c>Σdy</c> and <c>Σdy·(x - mean)</c> over all participants in place (in participant order).
    /// </summary>
    /// <param name="failed">True when this participant's call failed locally; then every participant throws
    /// <see cref="BatchSynchronizationException"/>.</param>
    /// <param name="sumDy">This participant's per-channel Σdy (zeros when it holds no data); receives the total.</param>
    /// <param name="sumCentered">This participant's per-channel Σdy·(x - mean); receives the total.</param>
    void SumGradientSums(bool failed, Span<double> sumDy, Span<double> sumCentered);
}
