using System.Globalization;

namespace NativeBn.Model;

/// <summary>One dimension of a tensor in a model: a fixed size, or the symbolic batch dimension N.</summary>
public readonly record struct Dimension
{
    private readonly int _size;

    private Dimension(int size) => _size = size;

    /// <summary>The batch dimension: any number of samples, fixed only when the model runs.</summary>
    public static Dimension Batch => default;

    /// <summary>True for the symbolic batch dimension.</summary>
    public bool IsBatch => _size == 0;

    /// <summary>The fixed size (at least 1); 0 for the batch dimension.</summary>
    public int Size => _size;

    /// <summary>A fixed dimension of <paramref name="size"/> (at least 1).</summary>
    public static Dimension Of(int size) => size >= 1
        ? new Dimension(size)
        : throw new ArgumentOutOfRangeException(nameof(size), size, $"A dimension must be at least 1, got {size}.");

    /// <summary>"N" for the batch dimension, the size otherwise.</summary>
    public override string ToString() => IsBatch ? "N" : _size.ToString(CultureInfo.InvariantCulture);
}
