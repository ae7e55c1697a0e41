using NativeBn.Data;
using NativeBn.Network;
using NativeBn.Normalization;

namespace NativeBn.Mpi;

/// <summary>
/// <see cref="PopulationRecalibration"/> over a data set sharded across ranks: layer by layer, each rank accumulates
/// the exact <c>(n, mean, M2)</c> of its shard, the ranks exchange them and merge in rank order (Chan), and every rank
/// sets the same population statistics, equal to one process's over the whole data set up to rounding. A rank may hold
/// an empty shard. A rank that fails makes every rank throw.
/// </summary>
public static class DistributedRecalibration
{
    /// <summary>Recalibrates every BatchNorm layer of <paramref name="model"/> (the same model on every rank) over all shards.</summary>
    public static void Run(Sequential model, Dataset shard, MpiCommunicator communicator)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(shard);
        ArgumentNullException.ThrowIfNull(communicator);
        communicator.ThrowIfAnyFailed(shard.Width == model.InputWidth
            ? null
            : new ArgumentException($"shard has {shard.Width} features per sample; the model takes {model.InputWidth}.", nameof(shard)));

        var synchronizer = new MpiBatchStatisticsSynchronizer(communicator);
        for (int index = 0; index < model.Layers.Count; index++)
        {
            if (model.Layers[index] is not BatchNormLayer layer)
            {
                continue;
            }

            int channels = layer.BatchNorm.Channels;
            var mean = new double[channels];
            var m2 = new double[channels];
            long count;
            try
            {
                PopulationStatistics local = PopulationRecalibration.Collect(model, index, shard);
                local.Mean.CopyTo(mean);
                local.M2.CopyTo(m2);
                count = local.Count;
            }
            catch (Exception)
            {
                synchronizer.ReportFailure(mean, m2);
                throw;
            }

            long total = synchronizer.MergeMoments(count, mean, m2);
            if (total == 0)
            {
                throw new ArgumentException("No rank holds any sample; population statistics need data.", nameof(shard));
            }

            var merged = new PopulationStatistics(channels);
            merged.Merge(total, mean, m2);
            layer.BatchNorm.SetPopulationStatistics(merged);
        }
    }
}
