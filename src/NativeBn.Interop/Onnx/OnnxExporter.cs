using Google.Protobuf;
using NativeBn.Interop.Onnx.Proto;
using NativeBn.Network;
using NativeBn.Normalization;
using NativeBn.Serialization;

namespace NativeBn.Interop.Onnx;

/// <summary>
/// Writes NativeBn models as ONNX (opset 15, IR version 8). Dense layers become <c>Gemm</c> (weights
/// <c>[out, in]</c>, <c>transB = 1</c>), BatchNorm becomes <c>BatchNormalization</c> with its scale, bias, mean and
/// variance and the attributes <c>epsilon</c> and <c>momentum</c> (ONNX momentum is a decay: a PyTorch-style update
/// rate m is written as 1 - m; a cumulative average, which ONNX cannot express, as ONNX's default 0.9), ReLU and
/// Dropout keep their names, and a final <c>Softmax</c> turns logits into probabilities. Initializers use PyTorch
/// <c>state_dict</c> names (<c>0.weight</c>, <c>1.running_mean</c>, ...). The variance written is the stored one,
/// unchanged, because it is what inference divides by.
/// </summary>
public static class OnnxExporter
{
    /// <summary>The opset written.</summary>
    public const int Opset = 15;

    /// <summary>The IR version written (the one that goes with opset 15).</summary>
    public const long IrVersion = 8;

    /// <summary>The graph's input name.</summary>
    public const string InputName = "input";

    /// <summary>The graph's output name.</summary>
    public const string OutputName = "probabilities";

    /// <summary>A model as ONNX bytes.</summary>
    /// <param name="model">The model.</param>
    /// <param name="statistics">BatchNorm statistics to write: running or population.</param>
    public static byte[] Export(Sequential model, NormalizationStatistics statistics = NormalizationStatistics.Running)
    {
        ArgumentNullException.ThrowIfNull(model);
        var graph = new GraphProto { Name = "nativebn" };
        string current = InputName;
        graph.Input.Add(ValueInfo(InputName, model.InputWidth, ["N"]));
        for (int i = 0; i < model.Layers.Count; i++)
        {
            string output = $"/{i}/output";
            switch (model.Layers[i])
            {
                case DenseLayer dense:
                    graph.Initializer.Add(OnnxTensors.Create($"{i}.weight", dense.Weight, dense.OutputWidth, dense.InputWidth));
                    graph.Initializer.Add(OnnxTensors.Create($"{i}.bias", dense.Bias, dense.OutputWidth));
                    graph.Node.Add(Node("Gemm", $"/{i}/Gemm", [current, $"{i}.weight", $"{i}.bias"], output, IntAttribute("transB", 1)));
                    break;
                case BatchNormLayer batchNorm:
                    AddBatchNormalization(graph, batchNorm.BatchNorm, statistics, $"{i}", current, output);
                    break;
                case ReluLayer:
                    graph.Node.Add(Node("Relu", $"/{i}/Relu", [current], output));
                    break;
                case DropoutLayer dropout:
                    graph.Node.Add(Node("Dropout", $"/{i}/Dropout", [current], output));
                    break;
            }

            current = output;
        }

        graph.Node.Add(Node("Softmax", "/Softmax", [current], OutputName, IntAttribute("axis", 1)));
        graph.Output.Add(ValueInfo(OutputName, model.OutputWidth, ["N"]));
        return Wrap(graph);
    }

    /// <summary>
    /// A graph of one <c>BatchNormalization</c> on input <c>X</c> of shape <c>[N, C]</c> (<paramref name="spatialRank"/> 0)
    /// or <c>[N, C, H, W]</c> (2) in inference mode, output <c>Y</c>.
    /// </summary>
    public static byte[] ExportBatchNorm(BatchNorm batchNorm, NormalizationStatistics statistics = NormalizationStatistics.Running, int spatialRank = 0)
    {
        ArgumentNullException.ThrowIfNull(batchNorm);
        if (spatialRank is not (0 or 1 or 2 or 3))
        {
            throw new ArgumentOutOfRangeException(nameof(spatialRank), spatialRank, $"spatialRank must be 0 to 3, got {spatialRank}.");
        }

        var graph = new GraphProto { Name = "batchnorm" };
        string[] dims = ["N", .. Enumerable.Range(0, spatialRank).Select(d => $"D{d}")];
        graph.Input.Add(ValueInfo("X", batchNorm.Channels, dims));
        AddBatchNormalization(graph, batchNorm, statistics, "bn", "X", "Y");
        graph.Output.Add(ValueInfo("Y", batchNorm.Channels, dims));
        return Wrap(graph);
    }

    /// <summary>Writes ONNX bytes to a file atomically.</summary>
    public static void Save(byte[] onnx, string path) => AtomicFile.WriteAllBytes(path, onnx);

    private static void AddBatchNormalization(GraphProto graph, BatchNorm batchNorm, NormalizationStatistics statistics, string prefix, string input, string output)
    {
        batchNorm.GetStatistics(statistics, out ReadOnlySpan<double> mean, out ReadOnlySpan<double> variance);
        int c = batchNorm.Channels;
        graph.Initializer.Add(OnnxTensors.Create($"{prefix}.weight", batchNorm.Gamma, c));
        graph.Initializer.Add(OnnxTensors.Create($"{prefix}.bias", batchNorm.Beta, c));
        graph.Initializer.Add(OnnxTensors.Create($"{prefix}.running_mean", mean, c));
        graph.Initializer.Add(OnnxTensors.Create($"{prefix}.running_var", variance, c));
        BatchNormConventions conventions = batchNorm.Options.Conventions;
        double decay = conventions.MomentumConvention == MomentumConvention.CumulativeAverage ? 0.9 : conventions.MomentumIn(MomentumConvention.Decay);
        graph.Node.Add(Node("BatchNormalization", $"/{prefix}/BatchNormalization",
            [input, $"{prefix}.weight", $"{prefix}.bias", $"{prefix}.running_mean", $"{prefix}.running_var"], output,
            FloatAttribute("epsilon", (float)conventions.Epsilon), FloatAttribute("momentum", (float)decay)));
    }

    private static byte[] Wrap(GraphProto graph)
    {
        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "NativeBn",
            ProducerVersion = typeof(OnnxExporter).Assembly.GetName().Version?.ToString() ?? "1.0.0",
            Graph = graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        return model.ToByteArray();
    }

    private static NodeProto Node(string op, string name, string[] inputs, string output, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = name };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        return node;
    }

    private static AttributeProto IntAttribute(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    private static AttributeProto FloatAttribute(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    /// <summary>A float tensor value of shape <c>[dims[0], channels, dims[1..]]</c>.</summary>
    private static ValueInfoProto ValueInfo(string name, int channels, string[] dims)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = dims[0] });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = channels });
        foreach (string dim in dims.Skip(1))
        {
            shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = dim });
        }

        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }
}
