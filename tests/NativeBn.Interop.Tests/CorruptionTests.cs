using NativeBn.Model;
using NativeBn.Data;
using NativeBn.Interop.Onnx;
using NativeBn.Interop.Safetensors;
using NativeBn.Normalization;
using NativeBn.Serialization;

namespace NativeBn.Interop.Tests;

/// <summary>
/// Thousands of mutated files (flipped bytes, truncations, spliced garbage) per format: each either loads or throws
/// <see cref="DataFormatException"/>; nothing else escapes and nothing hangs.
/// </summary>
public class CorruptionTests
{
    public static TheoryData<string> Formats() => ["onnx", "safetensors", "native"];

    [Theory]
    [MemberData(nameof(Formats))]
    public void MutatedFilesLoadOrFailWithADataFormatError(string format)
    {
        var model = ModelFactory.Trained(BatchNormConventions.PyTorch, dropout: 0.1);
        byte[] original = format switch
        {
            "onnx" => OnnxExporter.Export(model.ToDescription()),
            "safetensors" => SafetensorsModels.Export(model.ToDescription()),
            _ => ModelFile.Serialize(model.ToDescription()),
        };
        Action<byte[]> load = format switch
        {
            "onnx" => bytes => OnnxImporter.Import(bytes, "mutated"),
            "safetensors" => bytes => SafetensorsModels.Import(bytes, "mutated"),
            _ => bytes => ModelFile.Deserialize(bytes, "mutated"),
        };
        var random = new Random(format.Length);
        int rejected = 0;
        for (int trial = 0; trial < 3000; trial++)
        {
            byte[] mutated = Mutate(original, random);
            try
            {
                load(mutated);
            }
            catch (DataFormatException)
            {
                rejected++;
            }
        }

        Assert.True(rejected > 1000, $"only {rejected} of 3000 mutations were rejected");
    }

    private static byte[] Mutate(byte[] original, Random random)
    {
        byte[] bytes = (byte[])original.Clone();
        switch (random.Next(4))
        {
            case 0:
                for (int k = random.Next(1, 5); k > 0; k--)
                {
                    bytes[random.Next(bytes.Length)] ^= (byte)random.Next(1, 256);
                }

                return bytes;
            case 1:
                return bytes[..random.Next(bytes.Length)];
            case 2:
                int at = random.Next(bytes.Length);
                var garbage = new byte[random.Next(1, 64)];
                random.NextBytes(garbage);
                return [.. bytes[..at], .. garbage, .. bytes[at..]];
            default:
                int start = random.Next(Math.Min(64, bytes.Length));
                bytes[start] = (byte)random.Next(256);
                bytes[Math.Min(bytes.Length - 1, start + 1)] = 0xFF;
                return bytes;
        }
    }
}
