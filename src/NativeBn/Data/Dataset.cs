namespace NativeBn.Data;

/// <summary>Labeled samples: features <c>[Count, Width]</c> row-major and one class label per sample.</summary>
public sealed class Dataset
{
    private readonly float[] _features;
    private readonly int[] _labels;

    /// <summary>Wraps features and labels (not copied), checking their shapes and values.</summary>
    public Dataset(float[] features, int[] labels, int width, int classes)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        Check.Channels(width, nameof(width));
        Check.Channels(classes, nameof(classes));
        if ((long)labels.Length * width != features.Length)
        {
            throw new ArgumentException(
                $"features has {features.Length} values; {labels.Length} samples of width {width} need {(long)labels.Length * width}.", nameof(features));
        }

        for (int i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)classes)
            {
                throw new ArgumentException($"labels[{i}] is {labels[i]}; labels must be in [0, {classes}).", nameof(labels));
            }
        }

        _features = features;
        _labels = labels;
        Width = width;
        Classes = classes;
    }

    /// <summary>Features per sample.</summary>
    public int Width { get; }

    /// <summary>Number of classes.</summary>
    public int Classes { get; }

    /// <summary>Number of samples.</summary>
    public int Count => _labels.Length;

    /// <summary>All features, <c>[Count, Width]</c>.</summary>
    public ReadOnlySpan<float> Features => _features;

    /// <summary>All labels.</summary>
    public ReadOnlySpan<int> Labels => _labels;

    /// <summary>The features of sample <paramref name="index"/>.</summary>
    public ReadOnlySpan<float> Sample(int index) => _features.AsSpan(index * Width, Width);

    /// <summary>Features of samples [start, start + count).</summary>
    public ReadOnlySpan<float> Rows(int start, int count) => _features.AsSpan(start * Width, count * Width);

    /// <summary>The samples at <paramref name="indices"/>, in that order (copied).</summary>
    public Dataset Subset(ReadOnlySpan<int> indices)
    {
        var features = new float[indices.Length * Width];
        var labels = new int[indices.Length];
        for (int k = 0; k < indices.Length; k++)
        {
            Sample(indices[k]).CopyTo(features.AsSpan(k * Width, Width));
            labels[k] = _labels[indices[k]];
        }

        return new Dataset(features, labels, Width, Classes);
    }

    /// <summary>
    /// A fixed split: a seeded shuffle (Fisher-Yates with <see cref="Random"/>(<paramref name="seed"/>)), the first
    /// <paramref name="trainCount"/> samples for training and the rest for testing.
    /// </summary>
    public (Dataset Train, Dataset Test) Split(int trainCount, int seed)
    {
        if (trainCount < 1 || trainCount >= Count)
        {
            throw new ArgumentOutOfRangeException(nameof(trainCount), trainCount, $"trainCount must be in [1, {Count - 1}], got {trainCount}.");
        }

        int[] order = ShuffledIndices(Count, seed);
        return (Subset(order.AsSpan(0, trainCount)), Subset(order.AsSpan(trainCount)));
    }

    /// <summary>0..count-1 shuffled by Fisher-Yates with a generator seeded with <paramref name="seed"/>.</summary>
    public static int[] ShuffledIndices(int count, int seed)
    {
        int[] order = [.. Enumerable.Range(0, count)];
        new Random(seed).Shuffle(order);
        return order;
    }
}
