using NativeBn.Kernels;

namespace NativeBn.Normalization;

/// <summary>
/// Exact per-channel population statistics in O(C) memory: a running <c>(count, mean, M2)</c> in double that
/// adds batches of any size in one read each and merges with other accumulators by Chan's parallel formula
/// <c>n = na + nb</c>, <c>δ = mb - ma</c>, <c>mean = ma + δ·nb/n</c>, <c>M2 = M2a + M2b + δ²·na·nb/n</c>.
/// Feed it a BatchNorm layer's inputs (the activations reaching it in inference mode) over a data set to get the
/// statistics that running averages only approximate.
/// </summary>
public sealed class PopulationStatistics
{
    private readonly double[] _mean;
    private readonly double[] _m2;
    private readonly double[] _batchMean;
    private readonly double[] _batchM2;
    private readonly ScratchBuffer _scratch = new();
    private int _maxThreads = Environment.ProcessorCount;

    /// <summary>An empty accumulator for <paramref name="channels"/> channels.</summary>
    public PopulationStatistics(int channels)
    {
        Check.Channels(channels, nameof(channels));
        Channels = channels;
        _mean = new double[channels];
        _m2 = new double[channels];
        _batchMean = new double[channels];
        _batchM2 = new double[channels];
    }

    /// <summary>Number of channels C.</summary>
    public int Channels { get; }

    /// <summary>Values seen per channel.</summary>
    public long Count { get; private set; }

    /// <summary>Mean per channel (zeros before any value).</summary>
    public ReadOnlySpan<double> Mean => _mean;

    /// <summary>Sum of squared deviations from the mean per channel.</summary>
    public ReadOnlySpan<double> M2 => _m2;

    /// <summary>Most threads one <see cref="Add"/> uses; results are bit-identical for every value (default: processor count).</summary>
    public int MaxThreads
    {
        get => _maxThreads;
        set => _maxThreads = value >= 1
            ? value
            : throw new ArgumentOutOfRangeException(nameof(value), value, $"MaxThreads must be at least 1, got {value}.");
    }

    /// <summary>Adds every value of a batch. A batch holding NaN or infinity is rejected with nothing added.</summary>
    /// <param name="x">Values of <paramref name="shape"/>, in its layout.</param>
    /// <param name="shape">Shape and layout; its channel count must equal <see cref="Channels"/>.</param>
    public void Add(ReadOnlySpan<float> x, TensorShape shape)
    {
        Check.Shape(shape, Channels, nameof(shape));
        Check.Length(x.Length, shape.ElementCount, nameof(x), shape);
        int bad = ChannelMoments.Compute(x, shape, _batchMean, _batchM2, _scratch, _maxThreads);
        if (bad >= 0)
        {
            throw new ArgumentException($"x holds NaN or infinity in channel {bad}; nothing was added.", nameof(x));
        }

        Merge(shape.ValuesPerChannel, _batchMean, _batchM2);
    }

    /// <summary>Merges another accumulator's values into this one (Chan's formula); <paramref name="other"/> is unchanged.</summary>
    public void Merge(PopulationStatistics other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.Channels != Channels)
        {
            throw new ArgumentException($"other has {other.Channels} channels; this accumulator has {Channels}.", nameof(other));
        }

        if (ReferenceEquals(other, this))
        {
            throw new ArgumentException("An accumulator cannot merge itself; merge a copy.", nameof(other));
        }

        Merge(other.Count, other._mean, other._m2);
    }

    /// <summary>Adds a summary <c>(count, mean, M2)</c> computed elsewhere (another process, a stored file).</summary>
    public void Merge(long count, ReadOnlySpan<double> mean, ReadOnlySpan<double> m2)
    {
        if (count < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, $"count must be at least 0, got {count}.");
        }

        Check.Length(mean.Length, Channels, nameof(mean), "one per channel");
        Check.Length(m2.Length, Channels, nameof(m2), "one per channel");
        Check.Finite(mean, nameof(mean));
        Check.NonNegativeFinite(m2, nameof(m2));
        if (count == 0)
        {
            return;
        }

        Count = ChannelMoments.Merge(Count, _mean, _m2, count, mean, m2);
    }

    /// <summary>Writes each channel's variance: <c>M2/count</c> (biased, the population's own variance) or <c>M2/(count - 1)</c>.</summary>
    public void CopyVariance(Span<double> destination, RunningVarianceConvention convention)
    {
        Check.Length(destination.Length, Channels, nameof(destination), "one per channel");
        if (Count == 0)
        {
            throw new InvalidOperationException("No values were added yet.");
        }

        if (convention == RunningVarianceConvention.Unbiased && Count == 1)
        {
            throw new InvalidOperationException("The unbiased variance needs at least two values per channel.");
        }

        double divisor = convention == RunningVarianceConvention.Unbiased ? Count - 1 : Count;
        for (int c = 0; c < Channels; c++)
        {
            destination[c] = _m2[c] / divisor;
        }
    }

    /// <summary>Forgets every value.</summary>
    public void Reset()
    {
        Array.Clear(_mean);
        Array.Clear(_m2);
        Count = 0;
    }
}
