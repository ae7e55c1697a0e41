using System.Buffers.Binary;
using System.Runtime.InteropServices;
using NativeBn.Data;

namespace NativeBn.Serialization;

/// <summary>Reads little-endian values from a byte buffer, failing with a <see cref="DataFormatException"/> that names the file, offset and field.</summary>
internal ref struct BinaryCursor(ReadOnlySpan<byte> data, string source)
{
    private readonly ReadOnlySpan<byte> _data = data;

    public int Offset { get; private set; }

    public readonly int Remaining => _data.Length - Offset;

    public ReadOnlySpan<byte> Take(int count, string what)
    {
        if (count < 0 || count > Remaining)
        {
            throw new DataFormatException($"{source}: truncated at byte {Offset} while reading {what} ({count} bytes needed, {Remaining} left).");
        }

        ReadOnlySpan<byte> slice = _data.Slice(Offset, count);
        Offset += count;
        return slice;
    }

    public byte Byte(string what) => Take(1, what)[0];

    public int Int32(string what) => BinaryPrimitives.ReadInt32LittleEndian(Take(4, what));

    public long Int64(string what) => BinaryPrimitives.ReadInt64LittleEndian(Take(8, what));

    public double Double(string what) => BinaryPrimitives.ReadDoubleLittleEndian(Take(8, what));

    /// <summary>A count in [min, max], named in the error otherwise.</summary>
    public int Count(string what, int min, int max)
    {
        int offset = Offset;
        int value = Int32(what);
        if (value < min || value > max)
        {
            throw new DataFormatException($"{source}: {what} at byte {offset} is {value}; expected {min} to {max}.");
        }

        return value;
    }

    public float[] Floats(int count, string what) => [.. MemoryMarshal.Cast<byte, float>(Take(checked(count * 4), what))];

    public double[] Doubles(int count, string what) => [.. MemoryMarshal.Cast<byte, double>(Take(checked(count * 8), what))];

    public readonly DataFormatException Invalid(string message) => new($"{source}: {message}");
}
