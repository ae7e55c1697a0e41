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

    public ReadOnlySpan<byte> Take(long count, string what)
    {
        if (count < 0 || count > Remaining)
        {
            throw new DataFormatException($"{source}: truncated at byte {Offset} while reading {what} ({count} bytes needed, {Remaining} left).");
        }

        ReadOnlySpan<byte> slice = _data.Slice(Offset, (int)count);
        Offset += (int)count;
        return slice;
    }

    public byte Byte(string what) => Take(1, what)[0];

    public int Int32(string what) => BinaryPrimitives.ReadInt32LittleEndian(Take(4, what));

    public long Int64(string what) => BinaryPrimitives.ReadInt64LittleEndian(Take(8, what));

    public float Single(string what) => BinaryPrimitives.ReadSingleLittleEndian(Take(4, what));

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

    /// <summary><paramref name="count"/> floats; a count the file cannot hold is reported as truncation, never an overflow.</summary>
    public float[] Floats(long count, string what) => [.. MemoryMarshal.Cast<byte, float>(Take(count * 4, what))];

    /// <summary><paramref name="count"/> doubles, checked like <see cref="Floats"/>.</summary>
    public double[] Doubles(long count, string what) => [.. MemoryMarshal.Cast<byte, double>(Take(count * 8, what))];

    /// <summary>A UTF-8 string of at most <paramref name="maxBytes"/> bytes, stored as an i32 byte count and the bytes.</summary>
    public string String(string what, int maxBytes)
    {
        int length = Count($"the length of {what}", 1, maxBytes);
        try
        {
            return new System.Text.UTF8Encoding(false, throwOnInvalidBytes: true).GetString(Take(length, what));
        }
        catch (System.Text.DecoderFallbackException)
        {
            throw new DataFormatException($"{source}: {what} at byte {Offset - length} is not valid UTF-8.");
        }
    }

    public readonly DataFormatException Invalid(string message) => new($"{source}: {message}");
}
