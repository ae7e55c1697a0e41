using System.Runtime.InteropServices;

namespace NativeBn.Cli.Bench;

/// <summary>
/// A float buffer whose first element sits on a 64-byte boundary (a cache line, and the alignment oneDNN gives its own
/// buffers), held in a pinned array so that its address never changes. Benchmarks run every implementation on such
/// buffers: otherwise each array's alignment depends on what the process allocated before it, 512-bit loads and stores
/// split cache lines on some arrays and not on others, and the same code reads up to tens of percent slower or faster
/// depending on the order of the cases. Every page is written once at construction, so no measurement pays for first
/// touches.
/// </summary>
internal sealed class AlignedFloats
{
    /// <summary>The alignment of <see cref="Span"/>'s first element, in bytes.</summary>
    public const int Alignment = 64;

    private readonly float[] _array;
    private readonly int _offset;

    /// <summary>A zeroed buffer of <paramref name="length"/> floats.</summary>
    public AlignedFloats(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        Length = length;
        _array = GC.AllocateArray<float>(checked(length + Alignment / sizeof(float)), pinned: true);
        long address = Marshal.UnsafeAddrOfPinnedArrayElement(_array, 0);
        _offset = (int)((Alignment - address % Alignment) % Alignment) / sizeof(float);
        _array.AsSpan().Fill(0f);
    }

    /// <summary>Length in floats.</summary>
    public int Length { get; }

    /// <summary>The buffer.</summary>
    public Span<float> Span => _array.AsSpan(_offset, Length);

    /// <summary>The address of the first element (stable: the array is pinned), for native peers.</summary>
    public nint Address => Marshal.UnsafeAddrOfPinnedArrayElement(_array, _offset);

    /// <summary>A buffer filled with values drawn uniformly from [<paramref name="low"/>, <paramref name="high"/>) by a generator seeded with <paramref name="seed"/>.</summary>
    public static AlignedFloats Random(int length, int seed, float low = -2, float high = 2)
    {
        var buffer = new AlignedFloats(length);
        var random = new Random(seed);
        Span<float> values = buffer.Span;
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = low + (high - low) * random.NextSingle();
        }

        return buffer;
    }
}
