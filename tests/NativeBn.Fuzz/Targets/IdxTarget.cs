using System.Buffers.Binary;
using System.IO.Compression;
using NativeBn.Data;

namespace NativeBn.Fuzz.Targets;

/// <summary>IDX image and label files, plain and gzip-compressed; mutations edit the magic, the dimension count and the sizes.</summary>
internal sealed class IdxTarget : IFuzzTarget
{
    public string Name => "IDX";

    public IReadOnlyList<byte[]> Seeds { get; } = [Images(), Labels(), Gzip(Images()), Gzip(Labels())];

    public byte[] Mutate(byte[] seed, Random random)
    {
        bool compressed = seed[0] == 0x1F;
        byte[] plain = compressed ? Gunzip(seed) : seed;
        byte[] mutated = random.Next(3) == 0 ? Mutations.Bytes(plain, random) : Header(plain, random);
        return compressed && random.Next(4) != 0 ? Gzip(mutated) : mutated;
    }

    /// <summary>Parses as labels when the header says one dimension, as images otherwise (so other counts meet the check).</summary>
    public void Load(byte[] input) => IdxReader.Parse(input, "fuzz.idx", expectedDims: DimensionByte(input) == 1 ? 1 : 3);

    private static int DimensionByte(byte[] input)
    {
        if (input.Length >= 2 && input[0] == 0x1F && input[1] == 0x8B)
        {
            try
            {
                using var gzip = new GZipStream(new MemoryStream(input), CompressionMode.Decompress);
                var header = new byte[4];
                return gzip.ReadAtLeast(header, 4, throwOnEndOfStream: false) == 4 ? header[3] : -1;
            }
            catch (InvalidDataException)
            {
                return -1;
            }
        }

        return input.Length >= 4 ? input[3] : -1;
    }

    public bool PastHeader(byte[] input)
    {
        byte[] plain = input.Length >= 2 && input[0] == 0x1F && input[1] == 0x8B ? TryGunzip(input) : input;
        return plain.Length >= 4 && plain[0] == 0 && plain[1] == 0 && plain[2] == 0x08 && plain.Length >= 4 + 4 * plain[3];
    }

    private static byte[] Header(byte[] plain, Random random)
    {
        byte[] copy = (byte[])plain.Clone();
        if (random.Next(3) == 0 && copy.Length > 3)
        {
            copy[random.Next(4)] = (byte)random.Next(5);
        }
        else if (copy.Length >= 8)
        {
            int dims = Math.Max(1, Math.Min(copy[3], (copy.Length - 4) / 4));
            BinaryPrimitives.WriteInt32BigEndian(copy.AsSpan(4 + 4 * random.Next(dims)), Mutations.InterestingInts[random.Next(Mutations.InterestingInts.Length)]);
        }

        return copy;
    }

    private static byte[] Images()
    {
        var bytes = new byte[4 + 12 + 2 * 3 * 4];
        bytes[2] = 0x08;
        bytes[3] = 3;
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), 2);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(8), 3);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(12), 4);
        for (int i = 16; i < bytes.Length; i++)
        {
            bytes[i] = (byte)(i * 37);
        }

        return bytes;
    }

    private static byte[] Labels() => [0, 0, 0x08, 1, 0, 0, 0, 3, 1, 7, 9];

    private static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }

    private static byte[] Gunzip(byte[] data)
    {
        using var gzip = new GZipStream(new MemoryStream(data), CompressionMode.Decompress);
        using var output = new MemoryStream();
        gzip.CopyTo(output);
        return output.ToArray();
    }

    private static byte[] TryGunzip(byte[] data)
    {
        try
        {
            return Gunzip(data);
        }
        catch (InvalidDataException)
        {
            return [];
        }
    }
}
