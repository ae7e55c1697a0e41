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
    public BatchNormForwardResult ForwardWithoutData(BatchNormMode mode)
    {
        RequireSynchronizer();
        var none = CpuDevice.Forward([], [], default, _scratch, MaxThreads);
        return RunForward(ref none, default, mode, hasData: false);
    }

    /// <summary>
    /// The backward pass of a participant that held no samples in the last synchronized forward pass: takes part in
    /// the gradient sums, and receives the same <see cref="GammaGradient"/> and <see cref="BetaGradient"/> as the others.
    /// </summary>
    /// <exception cref="InvalidOperationException">The layer has no synchronizer, or its last forward pass held data.</exception>
    public void BackwardWithoutData()
    {
        RequireSynchronizer();
        var none = CpuDevice.Backward([], [], [], default, _scratch, MaxThreads);
        RunBackward(ref none, default, hasData: false);
    }

    private IBatchStatisticsSynchronizer RequireSynchronizer() =>
        _options.Synchronizer ?? throw new InvalidOperationException(
            "ForwardWithoutData and BackwardWithoutData are for synchronized batches; set BatchNormOptions.Synchronizer.");

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
