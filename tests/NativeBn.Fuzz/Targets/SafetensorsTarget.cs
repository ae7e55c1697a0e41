using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using NativeBn.Interop.Safetensors;

namespace NativeBn.Fuzz.Targets;

/// <summary>
/// safetensors files in PyTorch and Keras naming. Most mutations edit the JSON header (shapes, offsets, dtypes, tensor
/// names, the architecture and convention metadata) and rewrite its length, so that the cases reach the model reader.
/// </summary>
internal sealed class SafetensorsTarget : IFuzzTarget
{
    private static readonly string[] s_dtypes = ["F32", "F64", "I64", "F16", "BOOL", "X", ""];

    private static readonly string[] s_layers =
        ["dense,batchnorm,relu,dense", "dense,relu,dense,softmax", "batchnorm,dense", "dense,dropout:0.5,dense", "dropout:1.5", "conv", "dense,dense,dense", ""];

    public string Name => "safetensors";

    public IReadOnlyList<byte[]> Seeds { get; } =
    [
        .. SeedModels.All.Where(m => m.IsChain).SelectMany(m => new[]
        {
            SafetensorsModels.Export(m, SafetensorsNaming.PyTorch), SafetensorsModels.Export(m, SafetensorsNaming.Keras),
        }),
    ];

    public byte[] Mutate(byte[] seed, Random random)
    {
        if (random.Next(5) == 0)
        {
            return Mutations.Bytes(seed, random);
        }

        int headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(seed);
        JsonObject header = JsonNode.Parse(seed.AsSpan(8, headerLength))!.AsObject();
        int edits = random.Next(1, 4);
        for (int e = 0; e < edits; e++)
        {
            Edit(header, random);
        }

        byte[] json = Encoding.UTF8.GetBytes(header.ToJsonString());
        var length = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)json.Length);
        return [.. length, .. json, .. seed.AsSpan(8 + headerLength)];
    }

    public void Load(byte[] input) => SafetensorsModels.Import(input, "fuzz.safetensors");

    public bool PastHeader(byte[] input)
    {
        if (input.Length < 8)
        {
            return false;
        }

        ulong length = BinaryPrimitives.ReadUInt64LittleEndian(input);
        if (length > (ulong)(input.Length - 8))
        {
            return false;
        }

        try
        {
            return JsonNode.Parse(input.AsSpan(8, (int)length)) is JsonObject;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static void Edit(JsonObject header, Random random)
    {
        string[] tensors = [.. header.Select(p => p.Key).Where(k => k != "__metadata__")];
        if (tensors.Length == 0)
        {
            return;
        }

        string name = tensors[random.Next(tensors.Length)];
        JsonObject tensor = header[name]!.AsObject();
        switch (random.Next(7))
        {
            case 0:
                JsonArray shape = tensor["shape"]!.AsArray();
                if (shape.Count > 0)
                {
                    shape[random.Next(shape.Count)] = Mutations.InterestingInts[random.Next(Mutations.InterestingInts.Length)];
                }
                else
                {
                    shape.Add(random.Next(3));
                }

                break;
            case 1:
                JsonArray offsets = tensor["data_offsets"]!.AsArray();
                offsets[random.Next(2)] = (long)Mutations.InterestingInts[random.Next(Mutations.InterestingInts.Length)];
                break;
            case 2:
                tensor["dtype"] = s_dtypes[random.Next(s_dtypes.Length)];
                break;
            case 3:
                header.Remove(name);
                header[random.Next(2) == 0 ? name + "x" : "7.weight"] = tensor;
                break;
            case 4 when header["__metadata__"] is JsonObject metadata:
                metadata["nativebn.layers"] = s_layers[random.Next(s_layers.Length)];
                break;
            case 5 when header["__metadata__"] is JsonObject metadata:
                string key = metadata.Select(p => p.Key).ElementAt(random.Next(metadata.Count));
                metadata[key] = new[] { "NaN", "-1", "1e400", "cumulative", "keras", "biased", "" }[random.Next(7)];
                break;
            default:
                header.Remove(name);
                break;
        }
    }
}
