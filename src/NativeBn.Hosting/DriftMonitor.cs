using System.Collections.Immutable;
using System.Numerics;
using System.Runtime.InteropServices;
using NativeBn.Model.Nodes;
using NativeBn.Network;

namespace NativeBn.Hosting;

/// <summary>
/// Streaming statistics of each BatchNorm layer's input over the predictions one snapshot serves, sampled 1 in
/// <see cref="NativeBnModelOptions.DriftSampleEvery"/>, compared per channel with the statistics the plan normalizes with.
/// <para>
/// Sampling: a counter per thread stripe (the managed thread id modulo 64, each on its own cache line), incremented
/// without interlocking; two threads sharing a stripe may lose an increment now and then, which only moves the sampling
/// rate slightly. On one thread exactly every N-th prediction is sampled.
/// </para>
/// <para>
/// A sampled prediction computes, per channel, the sums of <c>d = x - storedMean</c> and <c>d²</c> in double on the
/// predicting thread (shifted sums: no cancellation while the observed mean stays within many standard deviations of the
/// stored one), then adds them under a lock taken only by sampled predictions to the current block. The window is a ring
/// of <see cref="Blocks"/> blocks of <c>window / Blocks</c> sampled predictions; the signal covers the last
/// <see cref="Blocks"/> completed blocks, so a shift that starts now fills the window after at most one window and one
/// block. A sampled input holding NaN or infinity is skipped and counted. Nothing is allocated after a thread's first
/// sampled prediction.
/// </para>
/// </summary>
internal sealed class DriftMonitor : IBatchNormInputObserver
{
    /// <summary>Blocks per window; <see cref="NativeBnModelOptions.DriftWindow"/> is a multiple of it.</summary>
    public const int Blocks = 8;

    private const int Stripes = 64;
    private const int IntsPerStripe = 16;

    [ThreadStatic]
    private static double[]? t_sums;

    private readonly PlannedBatchNorm[] _layers;
    private readonly int[] _firstChannel;
    private readonly double[] _storedMean;
    private readonly int _sampleEvery;
    private readonly int _blockLength;
    private readonly double _meanShiftThreshold;
    private readonly double _logVarianceThreshold;
    private readonly int[] _counters = new int[Stripes * IntsPerStripe];
    private readonly Lock _lock = new();
    private readonly double[][] _ring;
    private int _current;
    private int _currentCount;
    private long _completedBlocks;
    private long _skipped;

    private DriftMonitor(InferencePlan plan, NativeBnModelOptions options)
    {
        _layers = [.. plan.BatchNorms];
        _firstChannel = new int[_layers.Length + 1];
        for (int k = 0; k < _layers.Length; k++)
        {
            _firstChannel[k + 1] = checked(_firstChannel[k] + _layers[k].Channels);
        }

        _storedMean = [.. _layers.SelectMany(l => l.Mean)];
        _sampleEvery = options.DriftSampleEvery;
        _blockLength = options.DriftWindow / Blocks;
        _meanShiftThreshold = options.DriftMeanShiftThreshold;
        _logVarianceThreshold = options.DriftLogVarianceThreshold;
        _ring = [.. Enumerable.Range(0, Blocks + 1).Select(_ => new double[checked(2 * TotalChannels)])];
    }

    private int TotalChannels => _firstChannel[^1];

    /// <summary>A monitor for <paramref name="plan"/>, or null when monitoring is off or the plan has no BatchNorm layer.</summary>
    public static DriftMonitor? Create(InferencePlan plan, NativeBnModelOptions options) =>
        options.DriftMonitoring && plan.BatchNorms.Count > 0 ? new DriftMonitor(plan, options) : null;

    /// <summary>The report of <paramref name="snapshot"/>'s monitor, or why it has none.</summary>
    public static ModelDrift ReportOf(ModelSnapshot snapshot, NativeBnModelOptions options)
    {
        if (snapshot.Monitor is { } monitor)
        {
            return monitor.Report(snapshot.Version);
        }

        if (!options.DriftMonitoring)
        {
            return ModelDrift.Without(snapshot.Version, DriftState.Disabled,
                $"Drift monitoring is off for model '{options.Name}' (NativeBnModelOptions.DriftMonitoring).");
        }

        return ModelDrift.Without(snapshot.Version, DriftState.NothingToObserve, snapshot.Plan.Regime == InferenceRegime.Folded
            ? "Folded: no BatchNorm input to observe (each BatchNorm is folded into the layer before it); serve the Running or " +
              "Population regime to monitor drift."
            : "The model has no BatchNorm layer: there is no BatchNorm input to observe.");
    }

    /// <summary>Whether the calling thread's next prediction is sampled (every <see cref="NativeBnModelOptions.DriftSampleEvery"/>-th).</summary>
    public bool TakeSample()
    {
        ref int counter = ref _counters[(Environment.CurrentManagedThreadId & (Stripes - 1)) * IntsPerStripe];
        if (++counter < _sampleEvery)
        {
            return false;
        }

        counter = 0;
        return true;
    }

    /// <summary>Predicts with <paramref name="plan"/> (this monitor's) observing every BatchNorm input, then adds the sample to the window.</summary>
    public void Predict(InferencePlan plan, ReadOnlySpan<float> sample, Span<float> output)
    {
        int length = 2 * TotalChannels;
        if (t_sums is not { } sums || sums.Length < length)
        {
            t_sums = new double[length];
        }

        plan.Predict(sample, output, 1, this);
        Commit();
    }

    /// <inheritdoc />
    public void Observe(int layer, ReadOnlySpan<float> input)
    {
        double[] sums = t_sums!;
        int channels = _layers[layer].Channels;
        int per = _layers[layer].ValuesPerChannel;
        int first = _firstChannel[layer];
        if (per == 1)
        {
            for (int c = 0; c < channels; c++)
            {
                double d = input[c] - _storedMean[first + c];
                sums[2 * (first + c)] = d;
                sums[2 * (first + c) + 1] = d * d;
            }

            return;
        }

        for (int c = 0; c < channels; c++)
        {
            (sums[2 * (first + c)], sums[2 * (first + c) + 1]) = ShiftedSums(input.Slice(c * per, per), _storedMean[first + c]);
        }
    }

    /// <summary>
    /// The sums of <c>d = x - shift</c> and <c>d²</c> over a plane, in double: each float widened to double before the
    /// subtraction, SIMD lanes of doubles where the hardware has them (the lanes' sums are added at the end, so the order
    /// of additions differs from a scalar loop by rounding only).
    /// </summary>
    private static (double Sum, double SumOfSquares) ShiftedSums(ReadOnlySpan<float> plane, double shift)
    {
        double sum = 0, squares = 0;
        int j = 0;
        if (Vector.IsHardwareAccelerated && plane.Length >= Vector<float>.Count)
        {
            var m = new Vector<double>(shift);
            Vector<double> s1 = Vector<double>.Zero, s2 = Vector<double>.Zero, t1 = Vector<double>.Zero, t2 = Vector<double>.Zero;
            foreach (Vector<float> values in MemoryMarshal.Cast<float, Vector<float>>(plane))
            {
                Vector.Widen(values, out Vector<double> low, out Vector<double> high);
                low -= m;
                high -= m;
                s1 += low;
                s2 += low * low;
                t1 += high;
                t2 += high * high;
            }

            sum = Vector.Sum(s1 + t1);
            squares = Vector.Sum(s2 + t2);
            j = plane.Length - plane.Length % Vector<float>.Count;
        }

        for (; j < plane.Length; j++)
        {
            double d = plane[j] - shift;
            sum += d;
            squares += d * d;
        }

        return (sum, squares);
    }

    /// <summary>The window's moments per layer (biased variance), for recalibration; throws unless the window is full.</summary>
    public Dictionary<string, PopulationMoments> WindowMoments(string model)
    {
        lock (_lock)
        {
            if (_completedBlocks < Blocks)
            {
                throw new InvalidOperationException(
                    $"Model '{model}' cannot be recalibrated yet: its drift window holds {WindowPredictions} of the " +
                    $"{Blocks * _blockLength} sampled predictions recalibration needs (1 in {_sampleEvery} predictions is sampled).");
            }

            double[] totals = WindowTotals();
            var moments = new Dictionary<string, PopulationMoments>(StringComparer.Ordinal);
            for (int k = 0; k < _layers.Length; k++)
            {
                PlannedBatchNorm layer = _layers[k];
                long values = (long)WindowPredictions * layer.ValuesPerChannel;
                var mean = new double[layer.Channels];
                var variance = new double[layer.Channels];
                for (int c = 0; c < layer.Channels; c++)
                {
                    (mean[c], variance[c]) = Moments(totals, _firstChannel[k] + c, values);
                }

                moments[layer.Name] = new PopulationMoments(mean, variance, values);
            }

            return moments;
        }
    }

    private int WindowPredictions => (int)Math.Min(_completedBlocks, Blocks) * _blockLength;

    private void Commit()
    {
        ReadOnlySpan<double> sums = t_sums.AsSpan(0, 2 * TotalChannels);
        foreach (double value in sums)
        {
            if (!double.IsFinite(value))
            {
                Interlocked.Increment(ref _skipped);
                return;
            }
        }

        lock (_lock)
        {
            double[] block = _ring[_current];
            for (int i = 0; i < sums.Length; i++)
            {
                block[i] += sums[i];
            }

            if (++_currentCount == _blockLength)
            {
                _current = (_current + 1) % _ring.Length;
                Array.Clear(_ring[_current]);
                _currentCount = 0;
                _completedBlocks++;
            }
        }
    }

    /// <summary>The sums over the completed blocks of the window (the block being filled excluded). Under the lock.</summary>
    private double[] WindowTotals()
    {
        var totals = new double[2 * TotalChannels];
        int blocks = (int)Math.Min(_completedBlocks, Blocks);
        for (int b = 1; b <= blocks; b++)
        {
            double[] block = _ring[(_current - b + _ring.Length) % _ring.Length];
            for (int i = 0; i < totals.Length; i++)
            {
                totals[i] += block[i];
            }
        }

        return totals;
    }

    /// <summary>Observed mean and biased variance of channel <paramref name="channel"/> (index over all layers) from shifted sums.</summary>
    private (double Mean, double Variance) Moments(double[] totals, int channel, long values)
    {
        double shift = totals[2 * channel] / values;
        return (_storedMean[channel] + shift, Math.Max(0, totals[2 * channel + 1] / values - shift * shift));
    }

    private ModelDrift Report(long version)
    {
        lock (_lock)
        {
            int predictions = WindowPredictions;
            bool full = _completedBlocks >= Blocks;
            double[] totals = predictions > 0 ? WindowTotals() : [];
            var layers = ImmutableArray.CreateBuilder<LayerDrift>(_layers.Length);
            for (int k = 0; k < _layers.Length; k++)
            {
                PlannedBatchNorm layer = _layers[k];
                double worstShift = 0, worstRatio = 0;
                int shiftChannel = 0, ratioChannel = 0;
                long values = (long)predictions * layer.ValuesPerChannel;
                for (int c = 0; c < layer.Channels && predictions > 0; c++)
                {
                    (double mean, double variance) = Moments(totals, _firstChannel[k] + c, values);
                    double stored = layer.Variance[c] + layer.Epsilon;
                    double shift = Math.Abs(mean - layer.Mean[c]) / Math.Sqrt(stored);
                    double ratio = Math.Log((variance + layer.Epsilon) / stored);
                    if (shift > worstShift)
                    {
                        (worstShift, shiftChannel) = (shift, c);
                    }

                    if (Math.Abs(ratio) > Math.Abs(worstRatio))
                    {
                        (worstRatio, ratioChannel) = (ratio, c);
                    }
                }

                bool past = full && (worstShift > _meanShiftThreshold || Math.Abs(worstRatio) > _logVarianceThreshold);
                layers.Add(new LayerDrift(layer.Name, layer.Channels, layer.ValuesPerChannel, predictions,
                    worstShift, shiftChannel, worstRatio, ratioChannel, past));
            }

            string description = full
                ? $"The window holds the last {predictions} sampled predictions (1 in {_sampleEvery})."
                : $"Filling the window: {predictions} of {Blocks * _blockLength} sampled predictions (1 in {_sampleEvery}); no layer is flagged before it is full.";
            return new ModelDrift(version, full ? DriftState.Ready : DriftState.Filling, description, predictions, Blocks * _blockLength,
                _sampleEvery, Interlocked.Read(ref _skipped), layers.MoveToImmutable());
        }
    }
}
