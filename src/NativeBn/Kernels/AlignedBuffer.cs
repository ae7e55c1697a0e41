namespace NativeBn.Kernels;

/// <summary>
/// A growable float buffer whose span starts on a 64-byte boundary (one cache line, one <c>Vector512</c>). The array
/// lives on the pinned object heap, so the start found when it is allocated stays aligned. Vector loads at multiples of
/// 16 floats from the start never straddle two cache lines; on CPUs with 512-bit loads a straddling load costs two, which
/// halved the GEMM tiles' throughput on an Intel Xeon when their inputs sat 16 bytes off a line.
/// </summary>
internal sealed class AlignedBuffer
{
    private const int Alignment = 64;

    private float[] _array = [];
    private int _start;

    /// <summary>
    /// At least <paramref name="length"/> floats starting on a 64-byte boundary; zeros when first allocated, then whatever
    /// the last user left. Grows (reallocating) only when asked for more than it holds.
    /// </summary>
    public unsafe Span<float> Get(int length)
    {
        if (_array.Length - _start < length)
        {
            float[] array = GC.AllocateArray<float>(checked(length + Alignment / sizeof(float) - 1), pinned: true);
            fixed (float* first = array)
            {
                _start = (int)((Alignment - ((nint)first & (Alignment - 1))) & (Alignment - 1)) / sizeof(float);
            }

            _array = array;
        }

        return _array.AsSpan(_start, length);
    }
}
