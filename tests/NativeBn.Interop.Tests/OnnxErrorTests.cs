using Google.Protobuf;
using NativeBn.Data;
using NativeBn.Interop.Onnx;
using NativeBn.Interop.Onnx.Proto;
using NativeBn.Network;
using NativeBn.Normalization;

namespace NativeBn.Interop.Tests;

public class OnnxErrorTests
{
    [Fact]
    public void ProtobufGarbageIsAClearError()
    {
        var error = Assert.Throws<DataFormatException>(() => OnnxImporter.Import([0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 1, 2], "garbage.onnx"));
        Assert.StartsWith("garbage.onnx", error.Message);
    }

    [Fact]
    public void UnsupportedOperatorNamesTheOperatorAndTheNode()
    {
        ModelProto model = ModelProto.Parser.ParseFrom(OnnxExporter.Export(ModelFactory.Trained(BatchNormConventions.PyTorch).ToDescription()));
        NodeProto relu = model.Graph.Node.First(n => n.OpType == "Relu");
        relu.OpType = "LRN";
        relu.Name = "/lrn7";

        var error = Assert.Throws<DataFormatException>(() => OnnxImporter.Import(model.ToByteArray(), "net.onnx"));

        Assert.Contains("LRN node '/lrn7'", error.Message);
        Assert.Contains("not supported", error.Message);
    }

    [Fact]
    public void UnsupportedAttributeNamesTheAttribute()
    {
        ModelProto model = ModelProto.Parser.ParseFrom(OnnxExporter.Export(ModelFactory.Trained(BatchNormConventions.PyTorch).ToDescription()));
        NodeProto gemm = model.Graph.Node.First(n => n.OpType == "Gemm");
        gemm.Attribute.Add(new AttributeProto { Name = "transA", Type = AttributeProto.Types.AttributeType.Int, I = 1 });

        var error = Assert.Throws<DataFormatException>(() => OnnxImporter.Import(model.ToByteArray(), "net.onnx"));

        Assert.Contains("Gemm node", error.Message);
        Assert.Contains("transA", error.Message);
    }

    [Fact]
    public void MatMulAddAndFlattenImportLikeGemm()
    {
        var model = ModelFactory.Trained(BatchNormConventions.PyTorch);
        ModelProto proto = ModelProto.Parser.ParseFrom(OnnxExporter.Export(model.ToDescription()));
        NodeProto gemm = proto.Graph.Node.First(n => n.OpType == "Gemm");
        int index = proto.Graph.Node.IndexOf(gemm);
        TensorProto weight = proto.Graph.Initializer.First(t => t.Name == gemm.Input[1]);
        float[] w = OnnxTensors.Floats(weight, "w");
        var transposed = new float[w.Length];
        for (int o = 0; o < 5; o++)
        {
            for (int i = 0; i < 6; i++)
            {
                transposed[i * 5 + o] = w[o * 6 + i];
            }
        }

        proto.Graph.Initializer.Add(OnnxTensors.Create("w_t", transposed, 6, 5));
        var flatten = new NodeProto { OpType = "Flatten", Name = "/flatten", Input = { gemm.Input[0] }, Output = { "flat" } };
        var matMul = new NodeProto { OpType = "MatMul", Name = "/matmul", Input = { "flat", "w_t" }, Output = { "mm" } };
        var add = new NodeProto { OpType = "Add", Name = "/add", Input = { "mm", gemm.Input[2] }, Output = { gemm.Output[0] } };
        proto.Graph.Node.RemoveAt(index);
        proto.Graph.Node.Insert(index, add);
        proto.Graph.Node.Insert(index, matMul);
        proto.Graph.Node.Insert(index, flatten);

        var imported = new Sequential(OnnxImporter.Import(proto.ToByteArray(), "matmul.onnx"), 8);

        float[] samples = ModelFactory.Samples(5, 9);
        var expected = new float[4];
        var actual = new float[4];
        for (int s = 0; s < 5; s++)
        {
            model.Predict(samples.AsSpan(s * 6, 6), expected);
            imported.Predict(samples.AsSpan(s * 6, 6), actual);
            for (int k = 0; k < 4; k++)
            {
                Assert.Equal(expected[k], actual[k], 1e-6f);
            }
        }
    }
}
