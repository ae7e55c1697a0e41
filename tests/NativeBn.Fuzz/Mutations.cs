using System.Buffers.Binary;

namespace NativeBn.Fuzz;

/// <summary>Byte-level mutations shared by the targets: values that break size arithmetic, flips, cuts and splices.</summary>
internal static class Mutations
{
    /// <summary>32-bit values that break size arithmetic or bounds checks.</summary>
    public static readonly int[] InterestingInts =
        [0, 1, -1, 2, 3, 7, 8, 16, 255, 256, 1023, 1024, 65535, 65536, 65537, (1 << 20) - 1, 1 << 20, (1 << 20) + 1, 700_000, 1 << 30, int.MaxValue, int.MinValue];

    /// <summary>One to four random byte-level edits.</summary>
    public static byte[] Bytes(byte[] input, Random random)
    {
        byte[] data = input;
        int edits = random.Next(1, 5);
        for (int e = 0; e < edits; e++)
        {
            data = random.Next(7) switch
            {
                0 => Flip(data, random),
                1 or 2 => SetInt(data, random),
                3 => data.Length > 1 ? data[..random.Next(data.Length)] : data,
                4 => Splice(data, random),
                5 => Insert(data, random),
                _ => SetByte(data, random),
            };
        }

        return data;
    }

    /// <summary>Writes an interesting little-endian int32 at a random offset (aligned half of the time).</summary>
    public static byte[] SetInt(byte[] data, Random random)
    {
        if (data.Length < 4)
        {
            return data;
        }

        byte[] copy = (byte[])data.Clone();
        int offset = random.Next(data.Length - 3);
        if (random.Next(2) == 0)
        {
            offset &= ~3;
        }

        BinaryPrimitives.WriteInt32LittleEndian(copy.AsSpan(offset), InterestingInts[random.Next(InterestingInts.Length)]);
        return copy;
    }

    private static byte[] Flip(byte[] data, Random random)
    {
        if (data.Length == 0)
        {
            return data;
        }

        byte[] copy = (byte[])data.Clone();
        copy[random.Next(copy.Length)] ^= (byte)(1 << random.Next(8));
        return copy;
    }

    private static byte[] SetByte(byte[] data, Random random)
    {
        if (data.Length == 0)
        {
            return data;
        }

        byte[] copy = (byte[])data.Clone();
        copy[random.Next(copy.Length)] = (byte)random.Next(256);
        return copy;
    }

    private static byte[] Splice(byte[] data, Random random)
    {
        if (data.Length < 2)
        {
            return data;
        }

        int start = random.Next(data.Length), length = random.Next(1, Math.Min(64, data.Length - start) + 1);
        int at = random.Next(data.Length);
        return [.. data[..at], .. data.AsSpan(start, length), .. data[at..]];
    }

    private static byte[] Insert(byte[] data, Random random)
    {
        var bytes = new byte[random.Next(1, 9)];
        random.NextBytes(bytes);
        int at = random.Next(data.Length + 1);
        return [.. data[..at], .. bytes, .. data[at..]];
    }
}
