namespace NativeBn.Normalization;

public sealed partial class BatchNorm
{
    /// <summary>
    /// The forward pass of a participant that holds no samples in this step of a synchronized batch
    /// (<see cref="BatchNormOptions.Synchronizer"/>): it contributes nothing to the statistics but takes part in the
    /// exchange, and updates its running statistics exactly as the other participants do.
    /// </summary>
    /// <param name="mode">The mode every participant uses for this step.</param>
    /// <exception cref="InvalidOperationException">The layer has no synchronizer.</exception>
    public BatchNormForwardResult ForwardWithoutData(BatchNormMode mode) =>
        SynchronizedForward(RequireSynchronizer(), [], default, [], mode);

    /// <summary>
    /// The backward pass of a participant that held no samples in the last synchronized forward pass: takes part in
    /// the gradient sums, and receives the same <see cref="GammaGradient"/> and <see cref="BetaGradient"/> as the others.
    /// </summary>
    /// <exception cref="InvalidOperationException">The layer has no synchronizer, or its last forward pass held data.</exception>
    public void BackwardWithoutData() => SynchronizedBackward(RequireSynchronizer(), [], [], default, []);

    private IBatchStatisticsSynchronizer RequireSynchronizer() =>
        _options.Synchronizer ?? throw new InvalidOperationException(
            "ForwardWithoutData and BackwardWithoutData are for synchronized batches; set BatchNormOptions.Synchronizer.");

    /// <summary>
    /// Forward pass over a batch split across participants: local moments, exchanged and merged in participant order,
    /// so every participant normalizes with the statistics of the whole batch and updates its running statistics
    /// identically. A local failure is reported to the others before it is thrown, so that no participant waits forever.
    /// </summary>
    private BatchNormForwardResult SynchronizedForward(
        IBatchStatisticsSynchronizer synchronizer, ReadOnlySpan<float> x, TensorShape shape, Span<float> y, BatchNormMode mode)
    {
        bool hasData = shape != default;
        bool exchange = mode.NormalizeWith == NormalizationStatistics.Batch || mode.UpdateRunningStatistics;
        long count = 0;
        try
        {
            if (hasData)
            {
                Check.Shape(shape, Channels, nameof(shape));
                CheckBuffer(x, shape, nameof(x));
                CheckBuffer(y, shape, nameof(y));
                count = shape.ValuesPerChannel;
            }

            Decide(shape, mode, exchange ? 2 : count);
            if (exchange && hasData)
            {
                ChannelMoments.Compute(x, shape, _batchMean, _batchM2, _scratch, MaxThreads);
            }
        }
        catch when (exchange)
        {
            ReportFailure(synchronizer, backward: false);
            throw;
        }

        if (exchange)
        {
            count = synchronizer.MergeMoments(count, _batchMean, _batchM2);
        }

        ForwardStep step = Decide(shape, mode, count);
        if (step.NeedsBatchStatistics)
        {
            AcceptMoments(ref step, ChannelMoments.FirstNonFinite(_batchMean, _batchM2));
        }

        NormalizeParameters parameters = PrepareNormalize(step);
        if (hasData)
        {
            ApplyNormalize(x, shape, y, parameters);
        }

        return CompleteForward(step);
    }

    /// <summary>Backward pass of a synchronized forward pass: Σdy and Σdy·(x - mean) summed over all participants.</summary>
    private void SynchronizedBackward(
        IBatchStatisticsSynchronizer synchronizer, ReadOnlySpan<float> x, ReadOnlySpan<float> outputGradient, TensorShape shape, Span<float> inputGradient)
    {
        SavedContext saved = _saved;
        bool exchange = saved.IsSet && (saved.NormalizedWith == NormalizationStatistics.Batch || saved.TrainAffine);
        BackwardStep step;
        try
        {
            step = BeginBackward(shape);
            if (shape != default)
            {
                CheckBackwardBuffers(x, outputGradient, shape, inputGradient);
                if (step.NeedsSums)
                {
                    ComputeGradientSums(x, outputGradient, shape);
                }
            }
            else
            {
                Array.Clear(_sumA);
                Array.Clear(_sumB);
            }
        }
        catch when (exchange)
        {
            ReportFailure(synchronizer, backward: true);
            throw;
        }

        if (step.NeedsSums)
        {
            synchronizer.SumGradientSums(false, _sumA, _sumB);
        }

        InputGradientParameters parameters = PrepareInputGradient(step);
        if (shape != default)
        {
            ApplyInputGradient(x, outputGradient, shape, inputGradient, parameters);
        }
    }

    /// <summary>
    /// Tells the other participants that this one failed, through the exchange they are waiting in (the forward or the
    /// backward one); the <see cref="BatchSynchronizationException"/> that the exchange then raises everywhere is left
    /// to them, since the caller rethrows its own, more precise error.
    /// </summary>
    private void ReportFailure(IBatchStatisticsSynchronizer synchronizer, bool backward)
    {
        try
        {
            if (backward)
            {
                synchronizer.SumGradientSums(true, _sumA, _sumB);
            }
            else
            {
                synchronizer.MergeMoments(-1, _batchMean, _batchM2);
            }
        }
        catch (BatchSynchronizationException)
        {
        }
    }
}
