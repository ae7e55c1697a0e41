using NativeBn.Data;
using NativeBn.Network;
using NativeBn.Normalization;

namespace NativeBn.Mpi;

/// <summary>
/// Data-parallel training over MPI. Every rank holds the same model (same seed) and the same data set, and takes the
/// batches of <see cref="Trainer"/> in the same seeded order; each batch is cut into <see cref="MpiCommunicator.Size"/>
/// contiguous shares, rank r training on share r. Gradients are summed over ranks before every update, so every rank
/// applies the same update. With <c>synchronizeBatchNorm</c> the BatchNorm layers normalize with the statistics of
/// the whole batch (SyncBatchNorm), which makes a step equal to single-process training on the whole batch; without
/// it each rank normalizes with its share's statistics and keeps its own running statistics (rank 0's are the ones
/// saved; recalibrate population statistics afterwards to remove the difference). A batch with fewer samples than
/// ranks ends the epoch.
/// </summary>
public sealed class DataParallelTrainer
{
    private readonly Sequential _model;
    private readonly MpiCommunicator _communicator;
    private readonly GradientSummingOptimizer _optimizer;
    private readonly float[] _features;
    private readonly int[] _labels;
    private readonly int _seed;
    private readonly double[] _lossSend = new double[2];
    private readonly double[] _lossReceive = new double[2];

    /// <summary>Trains <paramref name="model"/> with <paramref name="optimizer"/> on whole batches of <paramref name="batchSize"/> samples.</summary>
    public DataParallelTrainer(Sequential model, IOptimizer optimizer, int batchSize, int seed, MpiCommunicator communicator, bool synchronizeBatchNorm)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(communicator);
        int share = (batchSize + communicator.Size - 1) / communicator.Size;
        if (batchSize < communicator.Size || share > model.MaxBatch)
        {
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize,
                $"batchSize must give each of the {communicator.Size} ranks 1 to {model.MaxBatch} samples, got {batchSize}.");
        }

        _model = model;
        _communicator = communicator;
        BatchSize = batchSize;
        _seed = seed;
        _features = new float[checked(share * model.InputWidth)];
        _labels = new int[share];
        var synchronized = new List<Parameter>();
        if (synchronizeBatchNorm)
        {
            var synchronizer = new MpiBatchStatisticsSynchronizer(communicator);
            foreach (BatchNormLayer layer in model.BatchNormLayers)
            {
                layer.BatchNorm.Options = layer.BatchNorm.Options with { Synchronizer = synchronizer };
                synchronized.AddRange(layer.Parameters);
            }
        }

        _optimizer = new GradientSummingOptimizer(optimizer, communicator, synchronized);
    }

    /// <summary>Samples per whole batch (over all ranks).</summary>
    public int BatchSize { get; }

    /// <summary>Training steps taken so far.</summary>
    public long Steps { get; private set; }

    /// <summary>
    /// One epoch over <paramref name="data"/> (the same on every rank) in the order <see cref="Trainer"/> uses for the
    /// same seed and epoch. Returns the mean loss over all samples seen, the same on every rank.
    /// </summary>
    public double Epoch(Dataset data, int epoch)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Width != _model.InputWidth)
        {
            throw new ArgumentException($"data has {data.Width} features per sample; the model takes {_model.InputWidth}.", nameof(data));
        }

        int[] order = Dataset.ShuffledIndices(data.Count, unchecked(_seed * 7919 + epoch));
        int ranks = _communicator.Size, rank = _communicator.Rank;
        double lossSum = 0;
        long samples = 0;
        for (int start = 0; start < data.Count; start += BatchSize)
        {
            int count = Math.Min(BatchSize, data.Count - start);
            if (count < ranks || (count == 1 && start > 0))
            {
                break;
            }

            int first = (int)((long)count * rank / ranks), end = (int)((long)count * (rank + 1) / ranks);
            for (int k = first; k < end; k++)
            {
                int index = order[start + k];
                data.Sample(index).CopyTo(_features.AsSpan((k - first) * data.Width, data.Width));
                _labels[k - first] = data.Labels[index];
            }

            int share = end - first;
            float loss = _model.TrainStep(_features.AsSpan(0, share * data.Width), _labels.AsSpan(0, share), _optimizer, count);
            lossSum += (double)loss * share;
            samples += share;
            Steps++;
        }

        _lossSend[0] = lossSum;
        _lossSend[1] = samples;
        _communicator.Sum(_lossSend, _lossReceive);
        return _lossReceive[1] == 0 ? double.NaN : _lossReceive[0] / _lossReceive[1];
    }
}
