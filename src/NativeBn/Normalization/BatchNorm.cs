using NativeBn.Kernels;

namespace NativeBn.Normalization;

/// <summary>
/// A batch-normalization layer on the CPU: per-channel statistics over N·H·W for <see cref="TensorLayout.NC"/>,
/// <see cref="TensorLayout.NCHW"/> and <see cref="TensorLayout.NHWC"/> data; training forward and backward,
/// running statistics in each framework's convention, exact population statistics, and inference through
/// cached folded coefficients. Output: <c>y = gamma·(x - mean)/sqrt(var + eps) + beta</c>.
/// </summary>
/// <remarks>
/// All buffers are caller-provided spans in the shape's layout; after the first call of each kind a call
/// allocates nothing (calls large enough to use threads excepted, see <see cref="BatchNormOptions.MaxThreads"/>).
/// A call that throws leaves the layer unchanged. <see cref="Infer"/> may run on many threads at once;
/// every other member needs exclusive access.
/// </remarks>
public sealed partial class BatchNorm
{
    private readonly float[] _gamma;
    private readonly float[] _beta;
    private readonly float[] _gammaGradient;
    private readonly float[] _betaGradient;
    private double[] _runningMean;
    private double[] _runningVariance;
    private double[] _nextRunningMean;
    private double[] _nextRunningVariance;
    private readonly double[] _populationMean;
    private readonly double[] _populationVariance;
    private readonly InferenceCoefficients _runningCoefficients;
    private readonly InferenceCoefficients _populationCoefficients;
    private readonly ScratchBuffer _scratch = new();
    private BatchNormOptions _options;
    private long _version;

    /// <summary>A layer with gamma = 1, beta = 0, running mean 0 and running variance 1 (every framework's initial state).</summary>
    /// <param name="channels">Number of channels C, at least 1.</param>
    /// <param name="options">Conventions and policies; <c>null</c> for the defaults (PyTorch conventions, throwing policies).</param>
    public BatchNorm(int channels, BatchNormOptions? options = null)
    {
        Check.Channels(channels, nameof(channels));
        Channels = channels;
        _options = options ?? new BatchNormOptions();
        _gamma = new float[channels];
        _gamma.AsSpan().Fill(1f);
        _beta = new float[channels];
        _gammaGradient = new float[channels];
        _betaGradient = new float[channels];
        _runningMean = new double[channels];
        _runningVariance = new double[channels];
        _runningVariance.AsSpan().Fill(1d);
        _nextRunningMean = new double[channels];
        _nextRunningVariance = new double[channels];
        _populationMean = new double[channels];
        _populationVariance = new double[channels];
        _runningCoefficients = new InferenceCoefficients(channels);
        _populationCoefficients = new InferenceCoefficients(channels);
        _saved = new SavedContext(channels);
        _work = new SavedContext(channels);
        _normalizeMean = new AlignedFloatArray(channels);
        _normalizeScale = new AlignedFloatArray(channels);
        _normalizeShift = new AlignedFloatArray(channels);
        _gradientA = new AlignedFloatArray(channels);
        _gradientK = new AlignedFloatArray(channels);
        _gradientMean = new AlignedFloatArray(channels);
        _gradientE = new AlignedFloatArray(channels);
        _batchMean = new double[channels];
        _batchM2 = new double[channels];
        _sumA = new double[channels];
        _sumB = new double[channels];
    }

    /// <summary>Number of channels C.</summary>
    public int Channels { get; }

    /// <summary>Changes whenever parameters, statistics or options change.</summary>
    internal long Version => _version;

    /// <summary>Conventions, policies and threading. Setting new options invalidates cached inference coefficients.</summary>
    public BatchNormOptions Options
    {
        get => _options;
        set
        {
            _options = value ?? throw new ArgumentNullException(nameof(value));
            _version++;
        }
    }

    /// <summary>Scale parameter gamma, length C.</summary>
    public ReadOnlySpan<float> Gamma => _gamma;

    /// <summary>Shift parameter beta, length C.</summary>
    public ReadOnlySpan<float> Beta => _beta;

    /// <summary>d(loss)/d(gamma) from the last <see cref="Backward"/> (zero when the mode did not train gamma and beta).</summary>
    public ReadOnlySpan<float> GammaGradient => _gammaGradient;

    /// <summary>d(loss)/d(beta) from the last <see cref="Backward"/> (zero when the mode did not train gamma and beta).</summary>
    public ReadOnlySpan<float> BetaGradient => _betaGradient;

    /// <summary>Running mean, length C, kept in double.</summary>
    public ReadOnlySpan<double> RunningMean => _runningMean;

    /// <summary>Running variance, length C, kept in double; biased or unbiased per <see cref="BatchNormConventions.RunningVariance"/>.</summary>
    public ReadOnlySpan<double> RunningVariance => _runningVariance;

    /// <summary>True once population statistics were set.</summary>
    public bool HasPopulationStatistics { get; private set; }

    /// <summary>Number of values the population statistics were computed over (0 when none).</summary>
    public long PopulationCount { get; private set; }

    /// <summary>Population mean, length C (zeros when none).</summary>
    public ReadOnlySpan<double> PopulationMean => _populationMean;

    /// <summary>Population variance <c>M2/count</c> (the exact variance of the population), length C.</summary>
    public ReadOnlySpan<double> PopulationVariance => _populationVariance;

    /// <summary>Number of running-statistics updates so far (PyTorch <c>num_batches_tracked</c>).</summary>
    public long BatchesTracked { get; private set; }

    /// <summary>Number of forward passes normalized with batch statistics (the step of the renormalization schedule).</summary>
    public long TrainingSteps { get; private set; }

    /// <summary>Number of running-statistics updates skipped because a batch held NaN or infinity.</summary>
    public long SkippedUpdates { get; private set; }

    /// <summary>
    /// Gamma for writing in place (an optimizer step). Calling this invalidates cached inference coefficients;
    /// do not keep the span past the next call on this layer.
    /// </summary>
    public Span<float> WritableGamma()
    {
        _version++;
        return _gamma;
    }

    /// <summary>Beta for writing in place; see <see cref="WritableGamma"/>.</summary>
    public Span<float> WritableBeta()
    {
        _version++;
        return _beta;
    }

    /// <summary>Sets gamma and beta (length C each, finite).</summary>
    public void SetParameters(ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta)
    {
        Check.Length(gamma.Length, Channels, nameof(gamma), "one per channel");
        Check.Length(beta.Length, Channels, nameof(beta), "one per channel");
        Check.Finite(gamma, nameof(gamma));
        Check.Finite(beta, nameof(beta));
        gamma.CopyTo(_gamma);
        beta.CopyTo(_beta);
        _version++;
    }

    /// <summary>
    /// Sets the running statistics (length C each; variance finite and at least 0, in this layer's
    /// <see cref="BatchNormConventions.RunningVariance"/> convention) and the update count.
    /// </summary>
    public void SetRunningStatistics(ReadOnlySpan<double> mean, ReadOnlySpan<double> variance, long batchesTracked = 0)
    {
        Check.Length(mean.Length, Channels, nameof(mean), "one per channel");
        Check.Length(variance.Length, Channels, nameof(variance), "one per channel");
        Check.Finite(mean, nameof(mean));
        Check.NonNegativeFinite(variance, nameof(variance));
        if (batchesTracked < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(batchesTracked), batchesTracked, $"batchesTracked must be at least 0, got {batchesTracked}.");
        }

        mean.CopyTo(_runningMean);
        variance.CopyTo(_runningVariance);
        BatchesTracked = batchesTracked;
        _version++;
    }

    /// <summary>Sets the population statistics from an accumulator that has seen at least one value.</summary>
    public void SetPopulationStatistics(PopulationStatistics population)
    {
        ArgumentNullException.ThrowIfNull(population);
        if (population.Channels != Channels)
        {
            throw new ArgumentException(
                $"population has {population.Channels} channels; this layer has {Channels}.", nameof(population));
        }

        if (population.Count == 0)
        {
            throw new ArgumentException("population has seen no values.", nameof(population));
        }

        population.Mean.CopyTo(_populationMean);
        population.CopyVariance(_populationVariance, RunningVarianceConvention.Biased);
        PopulationCount = population.Count;
        HasPopulationStatistics = true;
        _version++;
    }

    /// <summary>Sets the population statistics directly (length C each; the variance is the biased population variance).</summary>
    public void SetPopulationStatistics(ReadOnlySpan<double> mean, ReadOnlySpan<double> variance, long count)
    {
        Check.Length(mean.Length, Channels, nameof(mean), "one per channel");
        Check.Length(variance.Length, Channels, nameof(variance), "one per channel");
        Check.Finite(mean, nameof(mean));
        Check.NonNegativeFinite(variance, nameof(variance));
        if (count <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, $"count must be at least 1, got {count}.");
        }

        mean.CopyTo(_populationMean);
        variance.CopyTo(_populationVariance);
        PopulationCount = count;
        HasPopulationStatistics = true;
        _version++;
    }

    /// <summary>Forgets the population statistics.</summary>
    public void ClearPopulationStatistics()
    {
        Array.Clear(_populationMean);
        Array.Clear(_populationVariance);
        PopulationCount = 0;
        HasPopulationStatistics = false;
        _version++;
    }

    /// <summary>
    /// The stored statistics of a source: running (variance in this layer's convention) or population (biased).
    /// </summary>
    /// <exception cref="InvalidOperationException">Population statistics asked for but not set.</exception>
    public void GetStatistics(NormalizationStatistics source, out ReadOnlySpan<double> mean, out ReadOnlySpan<double> variance) =>
        GetStoredStatistics(source, nameof(source), out mean, out variance);

    private int MaxThreads => _options.MaxThreads;

    private double Epsilon => _options.Conventions.Epsilon;

    /// <summary>Mean and variance of a stored source; throws when population statistics are asked for but not set.</summary>
    private void GetStoredStatistics(
        NormalizationStatistics source, string paramName, out ReadOnlySpan<double> mean, out ReadOnlySpan<double> variance)
    {
        switch (source)
        {
            case NormalizationStatistics.Running:
                mean = _runningMean;
                variance = _runningVariance;
                return;
            case NormalizationStatistics.Population when HasPopulationStatistics:
                mean = _populationMean;
                variance = _populationVariance;
                return;
            case NormalizationStatistics.Population:
                throw new InvalidOperationException(
                    "Population statistics are not set; compute them with PopulationStatistics and call SetPopulationStatistics first.");
            default:
                throw new ArgumentOutOfRangeException(paramName, source, $"{paramName} must be Running or Population, got {source}.");
        }
    }
}
