using Google.Protobuf;
using NativeBn.Interop.Onnx.Proto;
using NativeBn.Model;
using NativeBn.Model.Nodes;
using NativeBn.Normalization;
using NativeBn.Serialization;

namespace NativeBn.Interop.Onnx;

/// <summary>
/// Writes model descriptions as ONNX (opset 15, IR version 8), node by node, with the description's tensor names:
/// Dense becomes <c>Gemm</c> (weights <c>[out, in]</c>, <c>transB = 1</c>), BatchNorm becomes <c>BatchNormalization</c>
/// over axis 1 with its scale, bias, mean and variance and the attributes <c>epsilon</c> and <c>momentum</c> (ONNX
/// momentum is a decay: a PyTorch-style update rate m is written as 1 - m; a cumulative average, which ONNX cannot
/// express, as ONNX's default 0.9), and Relu, Dropout, Identity, Flatten (axis 1), Softmax (axis 1) and Add keep their
/// meaning; Conv2d becomes <c>Conv</c> (weights <c>[M, C/G, kH, kW]</c>, explicit pads, strides, dilations and group),
/// pooling <c>MaxPool</c> or <c>AveragePool</c> (with ceil_mode and count_include_pad), GlobalAveragePool keeps its name
/// and Clip becomes <c>Clip</c> with its bounds as scalar initializers. Initializers use PyTorch <c>state_dict</c> names (<c>0.weight</c>, <c>1.running_mean</c>, ...). The variance
/// written is the stored one, unchanged, because it is what inference divides by. The batch dimension is written as
/// the symbolic <c>N</c>.
/// </summary>
public static class OnnxExporter
{
    /// <summary>The opset written.</summary>
    public const int Opset = 15;

    /// <summary>The IR version written (the one that goes with opset 15).</summary>
    public const long IrVersion = 8;

    /// <summary>A model as ONNX bytes.</summary>
    /// <param name="model">The model.</param>
    /// <param name="statistics">BatchNorm statistics to write: running or population.</param>
    public static byte[] Export(ModelDescription model, NormalizationStatistics statistics = NormalizationStatistics.Running)
    {
        ArgumentNullException.ThrowIfNull(model);
        var graph = new GraphProto { Name = "nativebn" };
        foreach (ModelInput input in model.Inputs)
        {
            graph.Input.Add(ValueInfo(input.Name, input.Shape));
        }

        foreach (ModelNode node in model.Nodes)
        {
            string name = node.Name;
            string[] inputs = [.. node.Inputs];
            switch (node)
            {
                case DenseNode dense:
                    graph.Initializer.Add(OnnxTensors.Create($"{name}.weight", dense.Weight.AsSpan(), dense.OutputFeatures, dense.InputFeatures));
                    graph.Initializer.Add(OnnxTensors.Create($"{name}.bias", dense.Bias.AsSpan(), dense.OutputFeatures));
                    graph.Node.Add(Node("Gemm", $"/{name}/Gemm", [inputs[0], $"{name}.weight", $"{name}.bias"], name, IntAttribute("transB", 1)));
                    break;
                case BatchNormNode batchNorm:
                    (var mean, var variance) = batchNorm.Statistics(statistics);
                    AddBatchNormalization(graph, batchNorm.Gamma.AsSpan(), batchNorm.Beta.AsSpan(), mean.AsSpan(), variance.AsSpan(),
                        batchNorm.Options.Conventions, name, inputs[0], name);
                    break;
                case ReluNode:
                    graph.Node.Add(Node("Relu", $"/{name}/Relu", inputs, name));
                    break;
                case DropoutNode:
                    graph.Node.Add(Node("Dropout", $"/{name}/Dropout", inputs, name));
                    break;
                case IdentityNode:
                    graph.Node.Add(Node("Identity", $"/{name}/Identity", inputs, name));
                    break;
                case FlattenNode:
                    graph.Node.Add(Node("Flatten", $"/{name}/Flatten", inputs, name, IntAttribute("axis", 1)));
                    break;
                case SoftmaxNode:
                    graph.Node.Add(Node("Softmax", $"/{name}/Softmax", inputs, name, IntAttribute("axis", 1)));
                    break;
                case AddNode:
                    graph.Node.Add(Node("Add", $"/{name}/Add", inputs, name));
                    break;
                case Conv2dNode conv:
                    Window2d w = conv.Window;
                    graph.Initializer.Add(OnnxTensors.Create($"{name}.weight", conv.Weight.AsSpan(),
                        conv.OutputChannels, conv.InputChannels / conv.Groups, w.KernelHeight, w.KernelWidth));
                    string[] convInputs = [inputs[0], $"{name}.weight"];
                    if (conv.HasBias)
                    {
                        graph.Initializer.Add(OnnxTensors.Create($"{name}.bias", conv.Bias.AsSpan(), conv.OutputChannels));
                        convInputs = [.. convInputs, $"{name}.bias"];
                    }

                    graph.Node.Add(Node("Conv", $"/{name}/Conv", convInputs, name,
                        [.. WindowAttributes(w, dilations: true), IntAttribute("group", conv.Groups)]));
                    break;
                case PoolNode pool:
                    AttributeProto[] poolAttributes = [.. WindowAttributes(pool.Window, dilations: pool.Pool == PoolKind.Max), IntAttribute("ceil_mode", pool.CeilMode ? 1 : 0)];
                    graph.Node.Add(pool.Pool == PoolKind.Max
                        ? Node("MaxPool", $"/{name}/MaxPool", inputs, name, poolAttributes)
                        : Node("AveragePool", $"/{name}/AveragePool", inputs, name, [.. poolAttributes, IntAttribute("count_include_pad", pool.CountIncludePad ? 1 : 0)]));
                    break;
                case GlobalAveragePoolNode:
                    graph.Node.Add(Node("GlobalAveragePool", $"/{name}/GlobalAveragePool", inputs, name));
                    break;
                case ClipNode clip:
                    graph.Initializer.Add(OnnxTensors.Create($"{name}.min", [clip.Min]));
                    graph.Initializer.Add(OnnxTensors.Create($"{name}.max", [clip.Max]));
                    graph.Node.Add(Node("Clip", $"/{name}/Clip", [inputs[0], $"{name}.min", $"{name}.max"], name));
                    break;
                default:
                    throw new ArgumentException($"Node '{name}' ({node.Kind}) has no ONNX operator here.", nameof(model));
            }
        }

        foreach (string output in model.Outputs)
        {
            graph.Output.Add(ValueInfo(output, model.ShapeOf(output)));
        }

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
        batchNorm.GetStatistics(statistics, out ReadOnlySpan<double> mean, out ReadOnlySpan<double> variance);
        AddBatchNormalization(graph, batchNorm.Gamma, batchNorm.Beta, mean, variance, batchNorm.Options.Conventions, "bn", "X", "Y");
        graph.Output.Add(ValueInfo("Y", batchNorm.Channels, dims));
        return Wrap(graph);
    }

    /// <summary>Writes ONNX bytes to a file atomically.</summary>
    public static void Save(byte[] onnx, string path) => AtomicFile.WriteAllBytes(path, onnx);

    private static void AddBatchNormalization(
        GraphProto graph, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, ReadOnlySpan<double> mean, ReadOnlySpan<double> variance,
        BatchNormConventions conventions, string prefix, string input, string output)
    {
        int c = gamma.Length;
        graph.Initializer.Add(OnnxTensors.Create($"{prefix}.weight", gamma, c));
        graph.Initializer.Add(OnnxTensors.Create($"{prefix}.bias", beta, c));
        graph.Initializer.Add(OnnxTensors.Create($"{prefix}.running_mean", mean, c));
        graph.Initializer.Add(OnnxTensors.Create($"{prefix}.running_var", variance, c));
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

    /// <summary>kernel_shape, strides, pads (ONNX order: top, left, bottom, right) and, where the operator has them, dilations.</summary>
    private static IEnumerable<AttributeProto> WindowAttributes(Window2d w, bool dilations)
    {
        yield return IntsAttribute("kernel_shape", w.KernelHeight, w.KernelWidth);
        yield return IntsAttribute("strides", w.StrideHeight, w.StrideWidth);
        yield return IntsAttribute("pads", w.PadTop, w.PadLeft, w.PadBottom, w.PadRight);
        if (dilations)
        {
            yield return IntsAttribute("dilations", w.DilationHeight, w.DilationWidth);
        }
    }

    private static AttributeProto IntsAttribute(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    private static AttributeProto IntAttribute(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    private static AttributeProto FloatAttribute(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    /// <summary>A float tensor value of a model shape, the batch dimension written as <c>N</c>.</summary>
    private static ValueInfoProto ValueInfo(string name, ShapeInfo shape)
    {
        var proto = new TensorShapeProto();
        foreach (Dimension dimension in shape.Dimensions)
        {
            proto.Dim.Add(dimension.IsBatch
                ? new TensorShapeProto.Types.Dimension { DimParam = "N" }
                : new TensorShapeProto.Types.Dimension { DimValue = dimension.Size });
        }

        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = proto } },
        };
    }

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
