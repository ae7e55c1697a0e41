using System.Buffers.Binary;
using NativeBn.Serialization;

namespace NativeBn.Fuzz.Targets;

/// <summary>
/// The native model file. Most mutations rewrite the checksum afterwards, so that they reach the structure behind it:
/// counts, sizes, names, node kinds and their records.
/// </summary>
internal sealed class ModelFileTarget : IFuzzTarget
{
    public string Name => "native model file";

    public IReadOnlyList<byte[]> Seeds { get; } = [.. SeedModels.All.Select(ModelFile.Serialize), .. SeedModels.VersionOneFiles()];

    public byte[] Mutate(byte[] seed, Random random)
    {
        byte[] body = Mutations.Bytes(seed[..^4], random);
        if (random.Next(10) == 0)
        {
            return body;
        }

        var crc = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(crc, Crc32.Compute(body));
        return [.. body, .. crc];
    }

    public void Load(byte[] input) => ModelFile.Deserialize(input, "fuzz.nbm");

    public bool PastHeader(byte[] input) =>
        input.Length >= 16 && input.AsSpan(0, 8).SequenceEqual(ModelFile.Magic)
        && BinaryPrimitives.ReadInt32LittleEndian(input.AsSpan(8)) is 1 or ModelFile.Version
        && BinaryPrimitives.ReadUInt32LittleEndian(input.AsSpan(input.Length - 4)) == Crc32.Compute(input.AsSpan(0, input.Length - 4));
}
