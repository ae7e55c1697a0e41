namespace NativeBn.Kernels;

/// <summary>
/// A growable float buffer whose span starts on a 64-byte boundary (see <see cref="AlignedFloatArray"/>); on an Intel Xeon
/// the GEMM tiles' throughput halved when their inputs sat 16 bytes off a line.
/// </summary>
internal sealed class AlignedBuffer
{
    private AlignedFloatArray _floats = new(0);

    /// <summary>
    /// At least <paramref name="length"/> floats starting on a 64-byte boundary; zeros when first allocated, then whatever
    /// the last user left. Grows (reallocating) only when asked for more than it holds.
    /// </summary>
    public Span<float> Get(int length)
    {
        if (_floats.Length < length)
        {
            _floats = new AlignedFloatArray(length);
        }

        return _floats.Span[..length];
    }
}
