using System.Collections.Immutable;

namespace NativeBn.Data;

/// <summary>
/// The samples of a NumPy <c>.npy</c> file and the shape the file gave them: an array <c>[N, d1, ..., dk]</c> becomes
/// <see cref="Data"/> with N samples of d1·...·dk features each, in the array's row-major (C) order, so an image batch
/// <c>[N, C, H, W]</c> gives each sample its values channel by channel, row by row.
/// </summary>
public sealed class NpyFeatures
{
    internal NpyFeatures(Dataset data, ImmutableArray<int> shape)
    {
        Data = data;
        Shape = shape;
    }

    /// <summary>Samples <c>[Count, Width]</c>; Width is the product of the dimensions after the first (1 for a 1-d array).</summary>
    public Dataset Data { get; }

    /// <summary>The array's shape, samples first, like <c>[100, 3, 32, 32]</c>.</summary>
    public ImmutableArray<int> Shape { get; }

    /// <summary>The dimensions of one sample (the shape without its first dimension; empty for a 1-d array).</summary>
    public ReadOnlySpan<int> SampleShape => Shape.AsSpan()[1..];

    /// <summary>The shape as NumPy prints it in a list, like <c>[100, 3, 32, 32]</c>.</summary>
    public override string ToString() => "[" + string.Join(", ", Shape) + "]";
}
