using NativeBn.Kernels;

namespace NativeBn.Normalization;

public sealed partial class BatchNorm
{
    private readonly double[] _batchMean;
    private readonly double[] _batchM2;
    private readonly AlignedFloatArray _normalizeMean;
    private readonly AlignedFloatArray _normalizeScale;
    private readonly AlignedFloatArray _normalizeShift;
    private SavedContext _saved;
    private SavedContext _work;

    /// <summary>Mean the last forward pass normalized with (the batch mean, or the stored mean), length C.</summary>
    public ReadOnlySpan<double> SavedMean => _saved.Mean;

    /// <summary>Variance the last forward pass normalized with (the biased batch variance, or the stored variance), length C.</summary>
    public ReadOnlySpan<double> SavedVariance => _saved.Variance;

    /// <summary><c>1/sqrt(SavedVariance + eps)</c> of the last forward pass, length C.</summary>
    public ReadOnlySpan<double> SavedInverseStd => _saved.InverseStd;

    /// <summary>
    /// Training forward pass: normalizes <paramref name="x"/> into <paramref name="y"/> per <paramref name="mode"/>,
    /// updates the running statistics when asked, and keeps what <see cref="Backward(ReadOnlySpan{float}, ReadOnlySpan{float}, TensorShape, Span{float})"/> needs.
    /// </summary>
    /// <param name="x">Input of <paramref name="shape"/>, in its layout.</param>
    /// <param name="shape">Shape and layout; its channel count must equal <see cref="Channels"/>.</param>
    /// <param name="y">Output, same length as <paramref name="x"/>; may be the same buffer as <paramref name="x"/>.</param>
    /// <param name="mode">Which statistics to normalize with, whether to update the running statistics, whether gamma and beta train.</param>
    /// <returns>The statistics actually used and what happened to the running statistics.</returns>
    /// <exception cref="ArgumentException">Wrong lengths or channels; one value per channel or NaN/infinity under a throwing policy.</exception>
    /// <exception cref="InvalidOperationException">Population statistics asked for but not set.</exception>
    public BatchNormForwardResult Forward(ReadOnlySpan<float> x, TensorShape shape, Span<float> y, BatchNormMode mode)
    {
        var device = CpuDevice.Forward(x, y, shape, _scratch, MaxThreads);
        return RunForward(ref device, shape, mode, hasData: true);
    }

    /// <summary>
    /// Training forward pass on the tensors of <paramref name="device"/> (a GPU, for example): the same decisions,
    /// coefficients and running-statistics updates as the CPU pass, with the device doing the moments and the
    /// normalize step. The device's buffers must hold <paramref name="shape"/>.
    /// </summary>
    public BatchNormForwardResult Forward<TDevice>(ref TDevice device, TensorShape shape, BatchNormMode mode)
        where TDevice : IBatchNormDevice, allows ref struct =>
        RunForward(ref device, shape, mode, hasData: true);

    /// <summary>
    /// The one forward sequence of every device. With a synchronizer, the local moments are exchanged and merged in
    /// participant order before anything is decided from them, and a local failure before the exchange is reported to
    /// the others first, so that no participant waits forever. A participant without data (<paramref name="hasData"/>
    /// false) takes part in the exchange and updates its running statistics like the others.
    /// </summary>
    private BatchNormForwardResult RunForward<TDevice>(ref TDevice device, TensorShape shape, BatchNormMode mode, bool hasData)
        where TDevice : IBatchNormDevice, allows ref struct
    {
        IBatchStatisticsSynchronizer? synchronizer = _options.Synchronizer;
        bool exchange = synchronizer is not null && (mode.NormalizeWith == NormalizationStatistics.Batch || mode.UpdateRunningStatistics);
        long count = 0;
        ForwardStep step;
        try
        {
            if (hasData)
            {
                Check.Shape(shape, Channels, nameof(shape));
                device.Validate(shape);
                count = shape.ValuesPerChannel;
            }

            step = Decide(shape, mode, exchange ? 2 : count);
            if (step.NeedsBatchStatistics && hasData)
            {
                device.Moments(_batchMean, _batchM2);
            }
        }
        catch when (exchange)
        {
            ReportFailure(synchronizer!, backward: false);
            throw;
        }

        if (exchange)
        {
            count = synchronizer!.MergeMoments(count, _batchMean, _batchM2);
            step = Decide(shape, mode, count);
        }

        if (step.NeedsBatchStatistics)
        {
            AcceptMoments(ref step, ChannelMoments.FirstNonFinite(_batchMean, _batchM2));
        }

        bool centered = PrepareNormalize(step, out ReadOnlySpan<float> scale, out ReadOnlySpan<float> shift);
        if (hasData && centered)
        {
            device.NormalizeCentered(_normalizeMean.Span, scale, shift);
        }
        else if (hasData)
        {
            device.NormalizeAffine(scale, shift);
        }

        return CompleteForward(step);
    }

    /// <summary>
    /// The decisions of a forward pass over <paramref name="count"/> values per channel (the local batch's, or a
    /// synchronized batch's): checks the mode and applies the single-value policy. Changes nothing.
    /// </summary>
    private ForwardStep Decide(TensorShape shape, BatchNormMode mode, long count)
    {
        NormalizationStatistics normalizeWith = mode.NormalizeWith;
        if (normalizeWith != NormalizationStatistics.Batch)
        {
            GetStoredStatistics(normalizeWith, nameof(mode), out _, out _);
        }
        else if (!Enum.IsDefined(normalizeWith))
        {
            throw new ArgumentOutOfRangeException(nameof(mode), normalizeWith, "Unknown statistics source.");
        }

        bool needsBatchStatistics = normalizeWith == NormalizationStatistics.Batch || mode.UpdateRunningStatistics;
        var update = mode.UpdateRunningStatistics ? RunningStatisticsUpdate.Updated : RunningStatisticsUpdate.NotRequested;
        if (needsBatchStatistics && count == 0)
        {
            throw new ArgumentException("The synchronized batch holds no values on any participant; batch statistics need at least two.", "x");
        }

        if (needsBatchStatistics && count == 1)
        {
            SingleValuePolicy policy = mode.SingleValue ?? _options.SingleValue;
            if (policy == SingleValuePolicy.Throw)
            {
                string what = count == shape.ValuesPerChannel ? $"x has one value per channel (shape {shape}, N·H·W = 1)" : "the synchronized batch has one value per channel";
                throw new ArgumentException(
                    $"{what}; batch statistics need more than one. " +
                    "SingleValuePolicy.UseRunningStatistics normalizes such batches with the running statistics instead.",
                    "x");
            }

            if (policy == SingleValuePolicy.UseRunningStatistics)
            {
                needsBatchStatistics = false;
                normalizeWith = normalizeWith == NormalizationStatistics.Batch ? NormalizationStatistics.Running : normalizeWith;
            }

            update = update == RunningStatisticsUpdate.Updated ? RunningStatisticsUpdate.SkippedSingleValue : update;
        }

        return new ForwardStep(shape, mode, normalizeWith, needsBatchStatistics, update, count);
    }

    /// <summary>
    /// After the batch's moments are in <c>_batchMean</c> and <c>_batchM2</c>: <paramref name="firstNonFinite"/> is the
    /// first channel whose moments are not finite, or -1. Applies the non-finite policy (throwing leaves the layer unchanged).
    /// </summary>
    private void AcceptMoments(ref ForwardStep step, int firstNonFinite)
    {
        if (firstNonFinite < 0)
        {
            return;
        }

        if (_options.NonFinite == NonFinitePolicy.Throw)
        {
            throw new NonFiniteBatchException(firstNonFinite, "x");
        }

        if (step.Update == RunningStatisticsUpdate.Updated)
        {
            step = step with { Update = RunningStatisticsUpdate.SkippedNonFinite };
        }
    }

    /// <summary>
    /// The per-channel coefficients of the normalize step, and the context the backward pass needs. Returns true for
    /// batch statistics, <c>y = (x - mean)·scale + shift</c> with the mean in <c>_normalizeMean</c>; false for stored
    /// statistics, <c>y = x·scale + shift</c>.
    /// </summary>
    private bool PrepareNormalize(in ForwardStep step, out ReadOnlySpan<float> scale, out ReadOnlySpan<float> shift)
    {
        SavedContext work = _work;
        if (step.NormalizeWith == NormalizationStatistics.Batch)
        {
            PrepareBatchNormalize(step.Count, work);
            scale = _normalizeScale.Span;
            shift = _normalizeShift.Span;
            return true;
        }

        GetStoredStatistics(step.NormalizeWith, "mode", out ReadOnlySpan<double> mean, out ReadOnlySpan<double> variance);
        var saved = new ForwardCoefficientsOperator(mean, variance, _gamma, _beta, 1, Epsilon, work, _normalizeMean.Span, _normalizeScale.Span, _normalizeShift.Span);
        ChannelParameterDriver.Run(ref saved, Channels);
        InferenceCoefficients coefficients = CurrentCoefficients(step.NormalizeWith);
        scale = coefficients.Scale;
        shift = coefficients.Shift;
        return false;
    }

    /// <summary>After the normalize step ran: keeps the context and updates the running statistics.</summary>
    private BatchNormForwardResult CompleteForward(in ForwardStep step)
    {
        SavedContext work = _work;
        work.Shape = step.Shape;
        work.Count = step.Count;
        work.NormalizedWith = step.NormalizeWith;
        work.TrainAffine = step.Mode.TrainAffine;
        work.IsSet = true;
        (_saved, _work) = (work, _saved);
        if (step.NormalizeWith == NormalizationStatistics.Batch)
        {
            TrainingSteps++;
        }

        if (step.Update == RunningStatisticsUpdate.Updated)
        {
            UpdateRunningStatistics(step.Count);
        }
        else if (step.Update == RunningStatisticsUpdate.SkippedNonFinite)
        {
            SkippedUpdates++;
        }

        return new BatchNormForwardResult(step.NormalizeWith, step.Update);
    }

    private void PrepareBatchNormalize(long count, SavedContext work)
    {
        BatchRenormalization? renormalization = _options.Renormalization;
        double inverseCount = 1.0 / count;
        if (renormalization is null)
        {
            var coefficients = new ForwardCoefficientsOperator(_batchMean, _batchM2, _gamma, _beta, inverseCount, Epsilon, work, _normalizeMean.Span, _normalizeScale.Span, _normalizeShift.Span);
            ChannelParameterDriver.Run(ref coefficients, Channels);
        }
        else
        {
            Renormalize(renormalization, inverseCount, work);
        }
    }

    /// <summary>Batch Renormalization's per-channel factors r and d, and the normalize step's parameters.</summary>
    private void Renormalize(BatchRenormalization renormalization, double inverseCount, SavedContext work)
    {
        (double rMax, double dMax) = renormalization.LimitsAt(TrainingSteps);
        double eps = Epsilon;
        Span<float> normalizeMean = _normalizeMean.Span, normalizeScale = _normalizeScale.Span, normalizeShift = _normalizeShift.Span;
        for (int c = 0; c < Channels; c++)
        {
            double mean = _batchMean[c];
            double variance = _batchM2[c] * inverseCount;
            double inverseStd = 1 / Math.Sqrt(variance + eps);
            double sigma = Math.Sqrt(_runningVariance[c] + eps);
            double r = Math.Clamp(Math.Sqrt(variance + eps) / sigma, 1 / rMax, rMax);
            double d = Math.Clamp((mean - _runningMean[c]) / sigma, -dMax, dMax);
            double a = _gamma[c] * r * inverseStd;
            work.Mean[c] = mean;
            work.Variance[c] = variance;
            work.InverseStd[c] = inverseStd;
            work.A[c] = a;
            work.R[c] = r;
            work.D[c] = d;
            normalizeMean[c] = (float)mean;
            normalizeScale[c] = (float)a;
            normalizeShift[c] = (float)(_beta[c] + _gamma[c] * d);
        }
    }

    /// <summary>
    /// Blends the batch statistics into the running statistics: <c>running = (1 - w)·running + w·batch</c>, the batch
    /// variance being <c>M2/n</c> or <c>M2/(n - 1)</c> per the convention.
    /// </summary>
    private void UpdateRunningStatistics(long n)
    {
        BatchNormConventions conventions = _options.Conventions;
        double w = conventions.NewBatchWeight(BatchesTracked + 1);
        double varianceScale = conventions.RunningVariance == RunningVarianceConvention.Unbiased ? 1.0 / (n - 1) : 1.0 / n;
        var update = new RunningUpdateOperator(_runningMean, _runningVariance, _batchMean, _batchM2, w, varianceScale, _nextRunningMean, _nextRunningVariance);
        ChannelParameterDriver.Run(ref update, Channels);
        (_runningMean, _nextRunningMean) = (_nextRunningMean, _runningMean);
        (_runningVariance, _nextRunningVariance) = (_nextRunningVariance, _runningVariance);
        BatchesTracked++;
        _version++;
    }
}
