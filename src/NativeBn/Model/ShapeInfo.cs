using System.Collections.Immutable;

namespace NativeBn.Model;

/// <summary>
/// The shape of a tensor in a model: its dimensions in order, the first usually the symbolic batch N
/// (<c>[N, 784]</c>, <c>[N, 64, 56, 56]</c>). Immutable; equal when the dimensions are.
/// </summary>
public sealed class ShapeInfo : IEquatable<ShapeInfo>
{
    /// <summary>A shape with the given dimensions (at least one).</summary>
    public ShapeInfo(IEnumerable<Dimension> dimensions)
    {
        ArgumentNullException.ThrowIfNull(dimensions);
        Dimensions = [.. dimensions];
        if (Dimensions.IsEmpty)
        {
            throw new ArgumentException("A shape needs at least one dimension.", nameof(dimensions));
        }
    }

    /// <summary>The dimensions, outermost first.</summary>
    public ImmutableArray<Dimension> Dimensions { get; }

    /// <summary>Number of dimensions.</summary>
    public int Rank => Dimensions.Length;

    /// <summary>True when the first dimension is the batch and no other is.</summary>
    public bool IsBatched => Dimensions[0].IsBatch && Dimensions.Skip(1).All(d => !d.IsBatch);

    /// <summary>
    /// Values per sample: the product of the dimensions after the batch dimension (overflow-checked); for a shape
    /// without a batch dimension, the product of all of them.
    /// </summary>
    public long ValuesPerSample
    {
        get
        {
            long product = 1;
            foreach (Dimension dimension in Dimensions.Skip(Dimensions[0].IsBatch ? 1 : 0))
            {
                product = checked(product * dimension.Size);
            }

            return product;
        }
    }

    /// <summary><c>[N, features]</c>.</summary>
    public static ShapeInfo Features(int features) => new([Dimension.Batch, Dimension.Of(features)]);

    /// <summary>The size of dimension <paramref name="axis"/> (0 for the batch).</summary>
    public int this[int axis] => Dimensions[axis].Size;

    /// <inheritdoc />
    public bool Equals(ShapeInfo? other) => other is not null && Dimensions.SequenceEqual(other.Dimensions);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as ShapeInfo);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (Dimension dimension in Dimensions)
        {
            hash.Add(dimension);
        }

        return hash.ToHashCode();
    }

    /// <summary>Like <c>[N, 64, 56, 56]</c>.</summary>
    public override string ToString() => "[" + string.Join(", ", Dimensions) + "]";
}
