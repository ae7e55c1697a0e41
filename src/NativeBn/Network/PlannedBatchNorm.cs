using System.Collections.Immutable;
using NativeBn.Normalization;

namespace NativeBn.Network;

/// <summary>
/// One BatchNorm layer as an <see cref="InferencePlan"/> runs it (<c>x·scale + shift</c> with
/// <c>scale = gamma / sqrt(variance + epsilon)</c>, <c>shift = beta - mean·scale</c>): the statistics it normalizes with,
/// as the plan's regime chose them, and the geometry of its input. A layer folded into the layer before it is not
/// planned as a BatchNorm and has no entry.
/// </summary>
public sealed class PlannedBatchNorm
{
    internal PlannedBatchNorm(
        string name, int channels, int valuesPerChannel, ImmutableArray<double> mean, ImmutableArray<double> variance, double epsilon,
        NormalizationStatistics statistics)
    {
        Name = name;
        Channels = channels;
        ValuesPerChannel = valuesPerChannel;
        Mean = mean;
        Variance = variance;
        Epsilon = epsilon;
        Statistics = statistics;
    }

    /// <summary>The BatchNorm node's name in the model description.</summary>
    public string Name { get; }

    /// <summary>Channels C (axis 1 of the layer's input).</summary>
    public int Channels { get; }

    /// <summary>Values per channel of one sample's input: H·W for <c>[N, C, H, W]</c>, 1 for <c>[N, C]</c>.</summary>
    public int ValuesPerChannel { get; }

    /// <summary>The mean per channel the layer subtracts.</summary>
    public ImmutableArray<double> Mean { get; }

    /// <summary>
    /// The variance per channel the layer divides by (after adding <see cref="Epsilon"/> and taking the square root):
    /// the running variance in the node's convention, or the biased population variance.
    /// </summary>
    public ImmutableArray<double> Variance { get; }

    /// <summary>Epsilon added to the variance before the square root.</summary>
    public double Epsilon { get; }

    /// <summary>Which stored statistics <see cref="Mean"/> and <see cref="Variance"/> are: running or population.</summary>
    public NormalizationStatistics Statistics { get; }
}
