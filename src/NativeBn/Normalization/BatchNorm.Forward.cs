using NativeBn.Kernels;

namespace NativeBn.Normalization;

public sealed partial class BatchNorm
{
    private readonly double[] _batchMean;
    private readonly double[] _batchM2;
    private readonly float[] _p0;
    private readonly float[] _p1;
    private readonly float[] _p2;
    private readonly float[] _p3;
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
    /// updates the running statistics when asked, and keeps what <see cref="Backward"/> needs.
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
        if (_options.Synchronizer is { } synchronizer)
        {
            return SynchronizedForward(synchronizer, x, shape, y, mode);
        }

        Check.Shape(shape, Channels, nameof(shape));
        CheckBuffer(x, shape, nameof(x));
        CheckBuffer(y, shape, nameof(y));
        ForwardStep step = BeginForward(shape, mode);
        if (step.NeedsBatchStatistics)
        {
            AcceptMoments(ref step, ChannelMoments.Compute(x, shape, _batchMean, _batchM2, _scratch, MaxThreads));
        }

        ApplyNormalize(x, shape, y, PrepareNormalize(step));
        return CompleteForward(step);
    }

    /// <summary>Buffers that receive a batch's per-channel mean and M2 (the moments of <see cref="AcceptMoments"/>).</summary>
    internal Span<double> BatchMeanBuffer => _batchMean;

    /// <inheritdoc cref="BatchMeanBuffer"/>
    internal Span<double> BatchM2Buffer => _batchM2;

    /// <summary>
    /// First phase of a forward pass (shared by the CPU and the CUDA paths): checks the mode and applies the
    /// single-value policy. Changes nothing.
    /// </summary>
    internal ForwardStep BeginForward(TensorShape shape, BatchNormMode mode)
    {
        Check.Shape(shape, Channels, nameof(shape));
        return Decide(shape, mode, shape.ValuesPerChannel);
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
    /// Second phase: the batch's moments are in <see cref="BatchMeanBuffer"/> and <see cref="BatchM2Buffer"/>;
    /// <paramref name="firstNonFinite"/> is the first channel whose moments are not finite, or -1. Applies the
    /// non-finite policy (throwing leaves the layer unchanged).
    /// </summary>
    internal void AcceptMoments(ref ForwardStep step, int firstNonFinite)
    {
        if (firstNonFinite < 0)
        {
            return;
        }

        if (_options.NonFinite == NonFinitePolicy.Throw)
        {
            throw new ArgumentException(
                $"x holds NaN or infinity in channel {firstNonFinite}; the batch was rejected and the layer is unchanged. " +
                "NonFinitePolicy.SkipUpdate normalizes such batches without updating the running statistics.",
                "x");
        }

        if (step.Update == RunningStatisticsUpdate.Updated)
        {
            step = step with { Update = RunningStatisticsUpdate.SkippedNonFinite };
        }
    }

    /// <summary>
    /// Third phase: the per-channel parameters of the normalize step, and the context the backward pass needs.
    /// Batch statistics give <c>y = (x - P0)·P1 + P2</c>; stored statistics give <c>y = x·P0 + P1</c>.
    /// </summary>
    internal NormalizeParameters PrepareNormalize(in ForwardStep step)
    {
        SavedContext work = _work;
        if (step.NormalizeWith == NormalizationStatistics.Batch)
        {
            PrepareBatchNormalize(step.Count, work);
            return new NormalizeParameters(true, _p0, _p1, _p2);
        }

        GetStoredStatistics(step.NormalizeWith, "mode", out ReadOnlySpan<double> mean, out ReadOnlySpan<double> variance);
        var saved = new ForwardCoefficientsOperator(mean, variance, _gamma, _beta, 1, Epsilon, work, _p0, _p1, _p2);
        ChannelParameterDriver.Run(ref saved, Channels);
        InferenceCoefficients coefficients = CurrentCoefficients(step.NormalizeWith);
        return new NormalizeParameters(false, coefficients.Scale, coefficients.Shift, default);
    }

    /// <summary>Last phase, after the normalize step ran: keeps the context and updates the running statistics.</summary>
    internal BatchNormForwardResult CompleteForward(in ForwardStep step)
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

    /// <summary>The element-wise normalize step with the parameters of <see cref="PrepareNormalize"/>.</summary>
    private void ApplyNormalize(ReadOnlySpan<float> x, TensorShape shape, Span<float> y, NormalizeParameters parameters)
    {
        var geometry = ChannelGeometry.From(shape);
        if (parameters.Centered)
        {
            LayerKernels.Normalize(geometry, x, parameters.P0, parameters.P1, parameters.P2, y, MaxThreads);
        }
        else
        {
            LayerKernels.Affine(geometry, x, parameters.P0, parameters.P1, y, relu: false, MaxThreads);
        }
    }

    private void PrepareBatchNormalize(long count, SavedContext work)
    {
        BatchRenormalization? renormalization = _options.Renormalization;
        double inverseCount = 1.0 / count;
        if (renormalization is null)
        {
            var coefficients = new ForwardCoefficientsOperator(_batchMean, _batchM2, _gamma, _beta, inverseCount, Epsilon, work, _p0, _p1, _p2);
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
            _p0[c] = (float)mean;
            _p1[c] = (float)a;
            _p2[c] = (float)(_beta[c] + _gamma[c] * d);
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
