namespace NativeBn.Data;

/// <summary>
/// Samples: features <c>[Count, Width]</c> row-major and, for labeled data, one class label per sample. Statistics
/// (population recalibration, drift of the statistics) need no labels; training and accuracy do.
/// </summary>
public sealed class Dataset
{
    private readonly float[] _features;
    private readonly int[]? _labels;
    private readonly int _count;

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
        _count = labels.Length;
        Width = width;
        Classes = classes;
    }

    private Dataset(float[] features, int width)
    {
        _features = features;
        _count = features.Length / width;
        Width = width;
    }

    /// <summary>Samples without labels (features <c>[Count, Width]</c>, not copied; the length a positive multiple of the width).</summary>
    public static Dataset Unlabeled(float[] features, int width)
    {
        ArgumentNullException.ThrowIfNull(features);
        Check.Channels(width, nameof(width));
        if (features.Length == 0 || features.Length % width != 0)
        {
            throw new ArgumentException($"features has {features.Length} values; expected a positive multiple of the width {width}.", nameof(features));
        }

        return new Dataset(features, width);
    }

    /// <summary>These samples (features shared, not copied) with one label per sample, each in [0, <paramref name="classes"/>).</summary>
    public Dataset WithLabels(int[] labels, int classes) => new(_features, labels, Width, classes);

    /// <summary>True when every sample has a label.</summary>
    public bool HasLabels => _labels is not null;

    /// <summary>Features per sample.</summary>
    public int Width { get; }

    /// <summary>Number of classes (0 without labels).</summary>
    public int Classes { get; }

    /// <summary>Number of samples.</summary>
    public int Count => _count;

    /// <summary>All features, <c>[Count, Width]</c>.</summary>
    public ReadOnlySpan<float> Features => _features;

    /// <summary>All labels.</summary>
    /// <exception cref="InvalidOperationException">The data has no labels.</exception>
    public ReadOnlySpan<int> Labels => _labels ?? throw new InvalidOperationException(
        "The data has no labels; training and accuracy need a label per sample (statistics do not).");

    /// <summary>The features of sample <paramref name="index"/>.</summary>
    public ReadOnlySpan<float> Sample(int index) => _features.AsSpan(index * Width, Width);

    /// <summary>Features of samples [start, start + count).</summary>
    public ReadOnlySpan<float> Rows(int start, int count) => _features.AsSpan(start * Width, count * Width);

    /// <summary>The samples at <paramref name="indices"/>, in that order (copied).</summary>
    public Dataset Subset(ReadOnlySpan<int> indices)
    {
        var features = new float[checked(indices.Length * Width)];
        var labels = new int[indices.Length];
        for (int k = 0; k < indices.Length; k++)
        {
            Sample(indices[k]).CopyTo(features.AsSpan(k * Width, Width));
            labels[k] = _labels is null ? 0 : _labels[indices[k]];
        }

        return _labels is null ? new Dataset(features, Width) : new Dataset(features, labels, Width, Classes);
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
