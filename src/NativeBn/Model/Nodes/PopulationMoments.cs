using System.Collections.Immutable;

namespace NativeBn.Model.Nodes;

/// <summary>
/// Exact statistics of a BatchNorm layer's input over a data set: per-channel mean and biased variance (M2/count) in
/// double, and the number of values per channel they cover.
/// </summary>
public sealed class PopulationMoments
{
    /// <summary>Moments for <paramref name="mean"/>.Length channels; the arrays are copied.</summary>
    public PopulationMoments(ReadOnlySpan<double> mean, ReadOnlySpan<double> variance, long count)
    {
        if (mean.Length != variance.Length)
        {
            throw new ArgumentException($"variance has {variance.Length} values; expected one per channel ({mean.Length}).", nameof(variance));
        }

        if (count < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, $"count must be at least 1, got {count}.");
        }

        Check.Finite(mean, nameof(mean));
        Check.NonNegativeFinite(variance, nameof(variance));
        Mean = [.. mean];
        Variance = [.. variance];
        Count = count;
    }

    /// <summary>Per-channel mean.</summary>
    public ImmutableArray<double> Mean { get; }

    /// <summary>Per-channel biased variance.</summary>
    public ImmutableArray<double> Variance { get; }

    /// <summary>Values per channel the moments cover.</summary>
    public long Count { get; }
}
