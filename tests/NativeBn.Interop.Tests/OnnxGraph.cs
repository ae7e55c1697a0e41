using System.Runtime.InteropServices;
using Google.Protobuf;
using NativeBn.Interop.Onnx.Proto;

namespace NativeBn.Interop.Tests;

/// <summary>Hand-written ONNX graphs for tests: one float input, nodes, initializers, one output, a chosen opset.</summary>
internal sealed class OnnxGraph(string input, long[] inputShape, int opset = 13)
{
    private readonly GraphProto _graph = new() { Name = "test" };

    public OnnxGraph Node(string op, string[] inputs, string output, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = $"/{op.ToLowerInvariant()}_{_graph.Node.Count}", Input = { inputs }, Output = { output } };
        node.Attribute.AddRange(attributes);
        _graph.Node.Add(node);
        return this;
    }

    public OnnxGraph Floats(string name, float[] values, params long[] dims)
    {
        _graph.Initializer.Add(new TensorProto
        {
            Name = name,
            DataType = (int)TensorProto.Types.DataType.Float,
            Dims = { dims },
            RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan())),
        });
        return this;
    }

    public OnnxGraph Longs(string name, long[] values, params long[] dims)
    {
        _graph.Initializer.Add(new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64, Dims = { dims }, Int64Data = { values } });
        return this;
    }

    /// <summary>The model; a dimension of 0 in the input shape is written as the symbolic <c>N</c>.</summary>
    public byte[] Build(string output)
    {
        _graph.Input.Add(ValueInfo(input, inputShape));
        _graph.Output.Add(new ValueInfoProto
        {
            Name = output,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float } },
        });
        var model = new ModelProto { IrVersion = opset >= 15 ? 8 : 7, Graph = _graph, ProducerName = "tests" };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        return model.ToByteArray();
    }

    public static AttributeProto Ints(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    public static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Float(string name, float value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    public static AttributeProto String(string name, string value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };

    public static AttributeProto Tensor(string name, long[] values, params long[] dims) => new()
    {
        Name = name,
        Type = AttributeProto.Types.AttributeType.Tensor,
        T = new TensorProto { DataType = (int)TensorProto.Types.DataType.Int64, Dims = { dims }, Int64Data = { values } },
    };

    public static AttributeProto FloatTensor(string name, float value) => new()
    {
        Name = name,
        Type = AttributeProto.Types.AttributeType.Tensor,
        T = new TensorProto { DataType = (int)TensorProto.Types.DataType.Float, FloatData = { value } },
    };

    private static ValueInfoProto ValueInfo(string name, long[] shape)
    {
        var proto = new TensorShapeProto();
        foreach (long size in shape)
        {
            proto.Dim.Add(size == 0 ? new TensorShapeProto.Types.Dimension { DimParam = "N" } : new TensorShapeProto.Types.Dimension { DimValue = size });
        }

        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = proto } },
        };
    }
}
