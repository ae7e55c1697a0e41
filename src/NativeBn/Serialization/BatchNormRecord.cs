using System.Runtime.InteropServices;
using NativeBn.Model.Nodes;
using NativeBn.Normalization;

namespace NativeBn.Serialization;

/// <summary>
/// The BatchNorm record of the model file (the same in format versions 1 and 2; see <c>docs/model-format.md</c>):
/// channels, conventions, policies, Batch Renormalization, parameters, running and population statistics.
/// </summary>
internal static class BatchNormRecord
{
    public static void Write(BinaryWriter writer, BatchNormNode node)
    {
        BatchNormOptions options = node.Options;
        BatchNormConventions conventions = options.Conventions;
        writer.Write(node.Channels);
        writer.Write(conventions.Momentum);
        writer.Write((byte)conventions.MomentumConvention);
        writer.Write(conventions.Epsilon);
        writer.Write((byte)conventions.RunningVariance);
        writer.Write((byte)options.SingleValue);
        writer.Write((byte)options.NonFinite);
        BatchRenormalization? renormalization = options.Renormalization;
        writer.Write((byte)(renormalization is null ? 0 : 1));
        if (renormalization is not null)
        {
            writer.Write(renormalization.RMaxStart);
            writer.Write(renormalization.RMaxEnd);
            writer.Write(renormalization.DMaxStart);
            writer.Write(renormalization.DMaxEnd);
            writer.Write(renormalization.RampStart);
            writer.Write(renormalization.RMaxRampEnd);
            writer.Write(renormalization.DMaxRampEnd);
        }

        writer.Write(MemoryMarshal.AsBytes(node.Gamma.AsSpan()));
        writer.Write(MemoryMarshal.AsBytes(node.Beta.AsSpan()));
        writer.Write(MemoryMarshal.AsBytes(node.RunningMean.AsSpan()));
        writer.Write(MemoryMarshal.AsBytes(node.RunningVariance.AsSpan()));
        writer.Write(node.BatchesTracked);
        writer.Write(node.Population?.Count ?? 0);
        if (node.Population is { } population)
        {
            writer.Write(MemoryMarshal.AsBytes(population.Mean.AsSpan()));
            writer.Write(MemoryMarshal.AsBytes(population.Variance.AsSpan()));
        }
    }

    /// <summary>Reads the record of node <paramref name="name"/> reading <paramref name="input"/> of <paramref name="width"/> channels.</summary>
    public static BatchNormNode Read(ref BinaryCursor cursor, string name, string input, int width)
    {
        string at = $"node '{name}'";
        int channels = cursor.Count($"the channels of {at}", width, width);
        double momentum = cursor.Double($"the momentum of {at}");
        var momentumConvention = (MomentumConvention)cursor.Byte($"the momentum convention of {at}");
        double epsilon = cursor.Double($"the epsilon of {at}");
        var varianceConvention = (RunningVarianceConvention)cursor.Byte($"the running-variance convention of {at}");
        var singleValue = (SingleValuePolicy)cursor.Byte($"the single-value policy of {at}");
        var nonFinite = (NonFinitePolicy)cursor.Byte($"the non-finite policy of {at}");
        byte hasRenormalization = cursor.Byte($"the renormalization flag of {at}");
        double[] renormalization = [];
        long[] ramp = [];
        if (hasRenormalization == 1)
        {
            renormalization = [cursor.Double("rmax start"), cursor.Double("rmax end"), cursor.Double("dmax start"), cursor.Double("dmax end")];
            ramp = [cursor.Int64("ramp start"), cursor.Int64("rmax ramp end"), cursor.Int64("dmax ramp end")];
        }
        else if (hasRenormalization != 0)
        {
            throw cursor.Invalid($"{at}: renormalization flag {hasRenormalization} is not 0 or 1.");
        }

        float[] gamma = cursor.Floats(channels, $"gamma of {at}");
        float[] beta = cursor.Floats(channels, $"beta of {at}");
        double[] runningMean = cursor.Doubles(channels, $"the running mean of {at}");
        double[] runningVariance = cursor.Doubles(channels, $"the running variance of {at}");
        long batchesTracked = cursor.Int64($"the batch count of {at}");
        long populationCount = cursor.Int64($"the population count of {at}");
        if (populationCount < 0)
        {
            throw cursor.Invalid($"{at}: population count {populationCount} is negative.");
        }

        double[] populationMean = populationCount > 0 ? cursor.Doubles(channels, $"the population mean of {at}") : [];
        double[] populationVariance = populationCount > 0 ? cursor.Doubles(channels, $"the population variance of {at}") : [];
        try
        {
            var options = new BatchNormOptions
            {
                Conventions = new BatchNormConventions(momentum, momentumConvention, epsilon, varianceConvention),
                SingleValue = singleValue,
                NonFinite = nonFinite,
                Renormalization = hasRenormalization == 0 ? null
                    : renormalization[0] == renormalization[1] && renormalization[2] == renormalization[3]
                        ? BatchRenormalization.Fixed(renormalization[1], renormalization[3])
                        : BatchRenormalization.Schedule(renormalization[1], renormalization[3], ramp[0], ramp[1], ramp[2]),
            };
            PopulationMoments? population = populationCount > 0 ? new PopulationMoments(populationMean, populationVariance, populationCount) : null;
            return new BatchNormNode(name, input, options, gamma, beta, runningMean, runningVariance, batchesTracked, population);
        }
        catch (ArgumentException e)
        {
            throw cursor.Invalid($"{at}: {e.Message}");
        }
    }
}
