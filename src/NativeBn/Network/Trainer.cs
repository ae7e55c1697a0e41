using NativeBn.Data;

namespace NativeBn.Network;

/// <summary>Mini-batch training over a data set: a seeded shuffle per epoch, then one training step per batch.</summary>
public sealed class Trainer
{
    private readonly Sequential _model;
    private readonly IOptimizer _optimizer;
    private readonly float[] _batchFeatures;
    private readonly int[] _batchLabels;
    private readonly int _seed;

    /// <summary>Trains <paramref name="model"/> with <paramref name="optimizer"/> on batches of <paramref name="batchSize"/>.</summary>
    public Trainer(Sequential model, IOptimizer optimizer, int batchSize, int seed)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        if (batchSize < 1 || batchSize > model.MaxBatch)
        {
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, $"batchSize must be in [1, {model.MaxBatch}], got {batchSize}.");
        }

        _model = model;
        _optimizer = optimizer;
        BatchSize = batchSize;
        _seed = seed;
        _batchFeatures = new float[checked(batchSize * model.InputWidth)];
        _batchLabels = new int[batchSize];
    }

    /// <summary>Samples per step (the last batch of an epoch may be smaller).</summary>
    public int BatchSize { get; }

    /// <summary>Training steps taken so far.</summary>
    public long Steps { get; private set; }

    /// <summary>
    /// One epoch over <paramref name="data"/> in the order of a shuffle seeded with the trainer's seed and the
    /// epoch number; stops early after <paramref name="maxSteps"/> steps in total. Returns the mean loss.
    /// </summary>
    public double Epoch(Dataset data, int epoch, long maxSteps = long.MaxValue, IProgress<double>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Width != _model.InputWidth)
        {
            throw new ArgumentException($"data has {data.Width} features per sample; the model takes {_model.InputWidth}.", nameof(data));
        }

        int[] order = Dataset.ShuffledIndices(data.Count, unchecked(_seed * 7919 + epoch));
        double lossSum = 0;
        int batches = 0;
        for (int start = 0; start < data.Count && Steps < maxSteps; start += BatchSize)
        {
            int count = Math.Min(BatchSize, data.Count - start);
            if (count == 1 && batches > 0)
            {
                break;
            }

            for (int k = 0; k < count; k++)
            {
                int index = order[start + k];
                data.Sample(index).CopyTo(_batchFeatures.AsSpan(k * data.Width, data.Width));
                _batchLabels[k] = data.Labels[index];
            }

            try
            {
                lossSum += _model.TrainStep(_batchFeatures.AsSpan(0, count * data.Width), _batchLabels.AsSpan(0, count), _optimizer);
            }
            catch (TrainingDivergedException e)
            {
                throw new TrainingDivergedException($"epoch {epoch + 1}, step {batches + 1}", e.InnerException);
            }

            batches++;
            Steps++;
            progress?.Report((double)(start + count) / data.Count);
        }

        return batches == 0 ? double.NaN : lossSum / batches;
    }
}
