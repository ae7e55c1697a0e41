namespace NativeBn.Kernels;

/// <summary>
/// Reusable double scratch owned by one engine object: grows to the largest request and is then reused,
/// so steady-state calls allocate nothing. Not thread-safe; each owner keeps its own.
/// </summary>
internal sealed class ScratchBuffer
{
    private double[] _buffer = [];

    /// <summary>A span of <paramref name="length"/> doubles with unspecified contents.</summary>
    public Span<double> Get(int length)
    {
        if (_buffer.Length < length)
        {
            _buffer = new double[length];
        }

        return _buffer.AsSpan(0, length);
    }
}
