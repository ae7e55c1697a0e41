using Google.Protobuf;
using NativeBn.Interop.Onnx;
using NativeBn.Interop.Onnx.Proto;

namespace NativeBn.Fuzz.Targets;

/// <summary>
/// ONNX files. Most mutations edit the parsed protobuf (dimensions, operators, attributes, tensor names and data,
/// input shapes, the opset), so that the bytes stay a valid protobuf and the cases reach the importer's checks.
/// </summary>
internal sealed class OnnxTarget : IFuzzTarget
{
    private static readonly string[] s_operators =
        ["Gemm", "MatMul", "Add", "BatchNormalization", "Relu", "Dropout", "Flatten", "Identity", "Softmax", "Conv", "Reshape", ""];

    private static readonly long[] s_interestingLongs = [0, 1, -1, 2, 3, 4, 5, 1 << 20, int.MaxValue, (long)int.MaxValue + 1, long.MaxValue, long.MinValue];

    public string Name => "ONNX";

    public IReadOnlyList<byte[]> Seeds { get; } = [.. SeedModels.All.Select(m => OnnxExporter.Export(m))];

    public byte[] Mutate(byte[] seed, Random random)
    {
        if (random.Next(5) == 0)
        {
            return Mutations.Bytes(seed, random);
        }

        ModelProto model = ModelProto.Parser.ParseFrom(seed);
        int edits = random.Next(1, 4);
        for (int e = 0; e < edits; e++)
        {
            Edit(model, random);
        }

        return model.ToByteArray();
    }

    public void Load(byte[] input) => OnnxImporter.Import(input, "fuzz.onnx");

    public bool PastHeader(byte[] input)
    {
        try
        {
            return ModelProto.Parser.ParseFrom(input).Graph is not null;
        }
        catch (InvalidProtocolBufferException)
        {
            return false;
        }
    }

    private static void Edit(ModelProto model, Random random)
    {
        GraphProto graph = model.Graph;
        switch (random.Next(10))
        {
            case 0 when graph.Initializer.Count > 0:
                TensorProto tensor = graph.Initializer[random.Next(graph.Initializer.Count)];
                if (tensor.Dims.Count > 0)
                {
                    tensor.Dims[random.Next(tensor.Dims.Count)] = s_interestingLongs[random.Next(s_interestingLongs.Length)];
                }

                break;
            case 1 when graph.Node.Count > 0:
                graph.Node[random.Next(graph.Node.Count)].OpType = s_operators[random.Next(s_operators.Length)];
                break;
            case 2 when graph.Node.Count > 0:
                NodeProto node = graph.Node[random.Next(graph.Node.Count)];
                node.Attribute.Add(new AttributeProto
                {
                    Name = new[] { "axis", "transB", "transA", "alpha", "epsilon", "momentum", "spatial", "training_mode" }[random.Next(8)],
                    Type = random.Next(2) == 0 ? AttributeProto.Types.AttributeType.Int : AttributeProto.Types.AttributeType.Float,
                    I = s_interestingLongs[random.Next(s_interestingLongs.Length)],
                    F = new[] { 0f, -1f, float.NaN, float.PositiveInfinity, 1e-30f, 2f }[random.Next(6)],
                });
                break;
            case 3 when graph.Node.Count > 0:
                NodeProto renamed = graph.Node[random.Next(graph.Node.Count)];
                if (renamed.Input.Count > 0)
                {
                    int index = random.Next(renamed.Input.Count);
                    renamed.Input[index] = random.Next(2) == 0 ? "" : graph.Node[random.Next(graph.Node.Count)].Output[0];
                }

                break;
            case 4 when graph.Initializer.Count > 0:
                TensorProto data = graph.Initializer[random.Next(graph.Initializer.Count)];
                data.RawData = ByteString.CopyFrom(data.RawData.Span[..random.Next(data.RawData.Length + 1)]);
                break;
            case 5 when graph.Initializer.Count > 0:
                graph.Initializer[random.Next(graph.Initializer.Count)].DataType = random.Next(17);
                break;
            case 6 when graph.Input.Count > 0:
                var dims = graph.Input[random.Next(graph.Input.Count)].Type?.TensorType?.Shape?.Dim;
                if (dims is { Count: > 0 })
                {
                    dims[random.Next(dims.Count)].DimValue = s_interestingLongs[random.Next(s_interestingLongs.Length)];
                }

                break;
            case 7 when graph.Node.Count > 1:
                int a = random.Next(graph.Node.Count), b = random.Next(graph.Node.Count);
                (graph.Node[a], graph.Node[b]) = (graph.Node[b], graph.Node[a]);
                break;
            case 8 when model.OpsetImport.Count > 0:
                model.OpsetImport[0].Version = s_interestingLongs[random.Next(s_interestingLongs.Length)];
                break;
            case 9 when graph.Output.Count > 0:
                graph.Output[random.Next(graph.Output.Count)].Name = random.Next(2) == 0 ? "" : graph.Initializer.FirstOrDefault()?.Name ?? "x";
                break;
        }
    }
}
