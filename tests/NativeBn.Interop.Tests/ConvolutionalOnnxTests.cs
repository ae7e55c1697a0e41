using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using NativeBn.Data;
using NativeBn.Interop.Onnx;
using NativeBn.Interop.Onnx.Proto;
using NativeBn.Model;
using NativeBn.Model.Nodes;
using NativeBn.Network;
using NativeBn.Normalization;
using static NativeBn.Interop.Tests.OnnxGraph;

namespace NativeBn.Interop.Tests;

/// <summary>
/// Convolutional ONNX models run by ONNX Runtime and by NativeBn on the same bytes: exported CNNs (folded and not),
/// and hand-written graphs for each attribute the importer resolves (auto_pad, ceil mode, count_include_pad, Clip
/// bounds as attributes or constant inputs, shape subgraphs feeding Reshape, a fixed batch, opset 7 BatchNormalization).
/// </summary>
public class ConvolutionalOnnxTests
{
    private static float[] Random(int count, int seed, float low = -1, float high = 1)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => low + (high - low) * random.NextSingle())];
    }

    private static float[] RunOrt(byte[] onnx, float[] x, int[] shape)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1 };
        using var session = new InferenceSession(onnx, options);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(session.InputMetadata.Keys.Single(), new DenseTensor<float>(x, shape))]);
        return [.. results.First().AsEnumerable<float>()];
    }

    /// <summary>Runs <paramref name="onnx"/> on a batch in ONNX Runtime and sample by sample in NativeBn; compares within 1e-5 of the largest magnitude.</summary>
    private static ModelDescription MatchesOnnxRuntime(byte[] onnx, int batch, string what, InferenceRegime regime = InferenceRegime.Running)
    {
        ModelDescription model = OnnxImporter.Import(onnx, what);
        InferencePlan plan = InferencePlan.Build(model, regime);
        float[] x = Random(batch * plan.InputWidth, batch + plan.InputWidth, -2, 2);
        int[] shape = [batch, .. model.Input.Shape.Dimensions.Skip(1).Select(d => d.Size)];
        float[] expected = RunOrt(onnx, x, shape);
        Assert.Equal(batch * plan.OutputWidth, expected.Length);
        double scale = Math.Max(expected.Max(Math.Abs), 1e-30);
        var y = new float[plan.OutputWidth];
        for (int n = 0; n < batch; n++)
        {
            plan.Predict(x.AsSpan(n * plan.InputWidth, plan.InputWidth), y);
            for (int i = 0; i < y.Length; i++)
            {
                float e = expected[n * plan.OutputWidth + i];
                Assert.True(Math.Abs(y[i] - e) <= 1e-5 * scale, $"{what} sample {n} [{i}]: ONNX Runtime {e:R}, NativeBn {y[i]:R} (largest magnitude {scale:G4})");
            }
        }

        return model;
    }

    private static BatchNormNode Norm(string name, string input, int channels, int seed) =>
        new(name, input, BatchNormOptions.For(BatchNormConventions.PyTorch), Random(channels, seed, 0.5f, 1.5f), Random(channels, seed + 1),
            [.. Random(channels, seed + 2).Select(v => (double)v * 0.3)], [.. Random(channels, seed + 3, 0.2f, 2f).Select(v => (double)v)], 5);

    private static Conv2dNode Conv(string name, string input, int inputs, int outputs, Window2d w, int groups = 1, bool bias = true, int seed = 1) =>
        new(name, input, inputs, outputs, w, groups, Random(outputs * (inputs / groups) * w.KernelHeight * w.KernelWidth, seed), bias ? Random(outputs, seed + 1) : []);

    /// <summary>A small CNN with every layer kind: conv, BatchNorm, ReLU6, pooling, depthwise and pointwise, a residual add, GAP, dense.</summary>
    private static ModelDescription SmallCnn()
    {
        var same = new Window2d(3, 3, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1);
        ModelNode[] nodes =
        [
            Conv("features.0", "x", 3, 8, new Window2d(3, 3, 2, 2, 1, 1, 1, 1), bias: false, seed: 1),
            Norm("features.1", "features.0", 8, 10),
            new ClipNode("features.2", "features.1", 0, 6),
            Conv("block.dw", "features.2", 8, 8, same, groups: 8, bias: false, seed: 20),
            Norm("block.bn1", "block.dw", 8, 30),
            new ReluNode("block.relu", "block.bn1"),
            Conv("block.pw", "block.relu", 8, 8, new Window2d(1, 1), seed: 40),
            Norm("block.bn2", "block.pw", 8, 50),
            new AddNode("block.add", "block.bn2", "features.2"),
            new PoolNode("pool", "block.add", PoolKind.Max, new Window2d(3, 3, 2, 2, 1, 1, 1, 1)),
            new PoolNode("avg", "pool", PoolKind.Average, new Window2d(2, 2, 1, 1), ceilMode: true),
            new GlobalAveragePoolNode("gap", "avg"),
            new FlattenNode("flatten", "gap"),
            new DenseNode("fc", "flatten", 8, 5, Random(40, 60), Random(5, 61)),
        ];
        return new ModelDescription([new ModelInput("x", new ShapeInfo([Dimension.Batch, Dimension.Of(3), Dimension.Of(17), Dimension.Of(15)]))], nodes, ["fc"]);
    }

    [Fact]
    public void AnExportedCnnRunsInOnnxRuntimeAsInNativeBnFoldedOrNot()
    {
        ModelDescription model = SmallCnn();
        byte[] onnx = OnnxExporter.Export(model);
        ModelDescription imported = MatchesOnnxRuntime(onnx, 4, "cnn.onnx");
        MatchesOnnxRuntime(onnx, 4, "cnn.onnx", InferenceRegime.Folded);
        MatchesOnnxRuntime(OnnxExporter.Export(ModelFolding.Fold(model)), 3, "folded-cnn.onnx");
        Assert.Equal(onnx, OnnxExporter.Export(imported));
        Assert.Equal(model.Nodes.Select(n => n.Name), imported.Nodes.Select(n => n.Name));
    }

    public static TheoryData<string, int, string, long[], long[], long> Convolutions() => new()
    {
        { "same upper stride 2", 1, "SAME_UPPER", [3, 3], [2, 2], 1 },
        { "same lower stride 2", 1, "SAME_LOWER", [3, 3], [2, 2], 1 },
        { "same upper even kernel", 1, "SAME_UPPER", [2, 4], [1, 3], 1 },
        { "valid", 1, "VALID", [3, 2], [1, 2], 1 },
        { "depthwise same", 4, "SAME_UPPER", [3, 3], [1, 1], 4 },
        { "grouped valid", 2, "VALID", [1, 3], [2, 1], 2 },
    };

    [Theory]
    [MemberData(nameof(Convolutions))]
    public void AutoPadConvolutionsMatchOnnxRuntime(string what, int _, string autoPad, long[] kernel, long[] strides, long groups)
    {
        const int channels = 4, outputs = 8;
        byte[] onnx = new OnnxGraph("x", [0, channels, 9, 10])
            .Floats("w", Random(outputs * (int)(channels / groups) * (int)(kernel[0] * kernel[1]), 3), outputs, channels / groups, kernel[0], kernel[1])
            .Floats("b", Random(outputs, 4), outputs)
            .Node("Conv", ["x", "w", "b"], "y", String("auto_pad", autoPad), Ints("strides", strides), Int("group", groups))
            .Build("y");
        MatchesOnnxRuntime(onnx, 2, what);
    }

    [Theory]
    [InlineData(9)]
    [InlineData(13)]
    public void ZeroPadsBeforeConvolutionsMergeIntoTheirPadding(int opset)
    {
        // tf2onnx writes "same" stride-2 convolutions as an explicit Pad of the bottom and right edges and a VALID Conv.
        long[] pads = [0, 0, 0, 0, 0, 0, 1, 1];
        var graph = new OnnxGraph("x", [0, 3, 9, 8], opset)
            .Floats("w1", Random(4 * 3 * 9, 5), 4, 3, 3, 3).Floats("w2", Random(4 * 3 * 9, 6), 4, 3, 3, 3);
        graph = opset < 11
            ? graph.Node("Pad", ["x"], "p", Ints("pads", pads), Float("value", 0f))
            : graph.Longs("pads", pads, 8).Floats("zero", [0f]).Node("Pad", ["x", "pads", "zero"], "p");
        byte[] onnx = graph
            .Node("Conv", ["p", "w1"], "y1", Ints("strides", 2, 2), String("auto_pad", "VALID"))
            .Node("Conv", ["p", "w2"], "y2", Ints("strides", 2, 2), Ints("pads", 0, 0, 0, 0))
            .Node("Add", ["y1", "y2"], "y")
            .Build("y");
        ModelDescription model = MatchesOnnxRuntime(onnx, 2, $"pad + conv, opset {opset}");
        Assert.All(model.Nodes.OfType<Conv2dNode>(), c => Assert.Equal(new Window2d(3, 3, 2, 2, 0, 0, 1, 1), c.Window));
        Assert.Equal(2, model.Nodes.OfType<Conv2dNode>().Count());
        Assert.DoesNotContain(model.Nodes, n => n is IdentityNode);
    }

    public static TheoryData<string, string> RefusedPads() => new()
    {
        { "read by a ReLU", "relu" },
        { "reflect mode", "reflect" },
        { "padding of channels", "channels" },
        { "a non-zero value", "value" },
    };

    [Theory]
    [MemberData(nameof(RefusedPads))]
    public void PadsThatAreNotAConvolutionsZeroPaddingAreRefusedByName(string what, string kind)
    {
        long[] pads = kind == "channels" ? [0, 1, 0, 0, 0, 0, 0, 0] : [0, 0, 1, 1, 0, 0, 1, 1];
        var graph = new OnnxGraph("x", [0, 3, 5, 5], 13).Longs("pads", pads, 8).Floats("w", Random(2 * 3 * 9, 7), 2, 3, 3, 3)
            .Floats("fill", [kind == "value" ? 1f : 0f]);
        graph = kind == "reflect"
            ? graph.Node("Pad", ["x", "pads"], "p", String("mode", "reflect"))
            : graph.Node("Pad", ["x", "pads", "fill"], "p");
        byte[] onnx = (kind == "relu" ? graph.Node("Relu", ["p"], "r").Node("Conv", ["r", "w"], "y") : graph.Node("Conv", ["p", "w"], "y")).Build("y");
        var error = Assert.Throws<DataFormatException>(() => OnnxImporter.Import(onnx, "m.onnx"));
        Assert.Contains("Pad node", error.Message);
        Assert.Contains("only a Pad of zeros (the identity), or zero padding of H and W that only convolutions read", error.Message);
        _ = what;
    }

    private static readonly Dictionary<string, (string Op, AttributeProto[] Attributes)> PoolCases = new()
    {
        ["max same upper"] = ("MaxPool", [Ints("kernel_shape", 3, 3), Ints("strides", 2, 2), String("auto_pad", "SAME_UPPER")]),
        ["max same lower"] = ("MaxPool", [Ints("kernel_shape", 2, 2), Ints("strides", 2, 2), String("auto_pad", "SAME_LOWER")]),
        ["max ceil pads"] = ("MaxPool", [Ints("kernel_shape", 3, 3), Ints("strides", 2, 2), Ints("pads", 1, 0, 1, 0), Int("ceil_mode", 1)]),
        ["max dilated"] = ("MaxPool", [Ints("kernel_shape", 2, 3), Ints("dilations", 2, 2)]),
        ["average pads excluded"] = ("AveragePool", [Ints("kernel_shape", 3, 3), Ints("strides", 2, 2), Ints("pads", 1, 1, 1, 1)]),
        ["average pads included"] = ("AveragePool", [Ints("kernel_shape", 3, 3), Ints("strides", 2, 2), Ints("pads", 1, 1, 1, 1), Int("count_include_pad", 1)]),
        ["average ceil"] = ("AveragePool", [Ints("kernel_shape", 2, 2), Ints("strides", 2, 2), Int("ceil_mode", 1)]),
        ["average same upper"] = ("AveragePool", [Ints("kernel_shape", 3, 3), Ints("strides", 2, 2), String("auto_pad", "SAME_UPPER")]),
    };

    public static TheoryData<string> Pools() => [.. PoolCases.Keys];

    [Theory]
    [MemberData(nameof(Pools))]
    public void PoolsMatchOnnxRuntime(string what)
    {
        (string op, AttributeProto[] attributes) = PoolCases[what];
        byte[] onnx = new OnnxGraph("x", [0, 3, 9, 8]).Node(op, ["x"], "y", attributes).Build("y");
        MatchesOnnxRuntime(onnx, 2, what);
    }

    [Fact]
    public void ClipBoundsAreReadFromAttributesOrFromConstantInputs()
    {
        byte[] attributes = new OnnxGraph("x", [0, 2, 3, 3], opset: 9)
            .Node("Clip", ["x"], "y", Float("min", -0.5f), Float("max", 1.5f)).Build("y");
        Assert.Equal((-0.5f, 1.5f), Bounds(MatchesOnnxRuntime(attributes, 2, "clip opset 9")));

        byte[] inputs = new OnnxGraph("x", [0, 2, 3, 3], opset: 13)
            .Node("Constant", [], "lo", FloatTensor("value", 0f))
            .Node("Constant", [], "hi", FloatTensor("value", 6f))
            .Node("Clip", ["x", "lo", "hi"], "y").Build("y");
        Assert.Equal((0f, 6f), Bounds(MatchesOnnxRuntime(inputs, 2, "clip opset 13")));

        byte[] upperOnly = new OnnxGraph("x", [0, 2, 3, 3], opset: 13)
            .Floats("hi", [0.25f]).Node("Clip", ["x", "", "hi"], "y").Build("y");
        Assert.Equal((float.NegativeInfinity, 0.25f), Bounds(MatchesOnnxRuntime(upperOnly, 2, "clip max only")));

        static (float, float) Bounds(ModelDescription model) => ((ClipNode)model.Nodes.Single()) is var c ? (c.Min, c.Max) : default;
    }

    [Theory]
    [InlineData(11)]
    [InlineData(13)]
    public void AShapeSubgraphFeedingReshapeFoldsWithoutBakingInTheBatch(int opset)
    {
        var graph = new OnnxGraph("x", [0, 2, 3, 4], opset)
            .Node("Relu", ["x"], "r")
            .Node("Shape", ["r"], "shape")
            .Node("Constant", [], "zero", Tensor("value", [0]))
            .Node("Gather", ["shape", "zero"], "n", Int("axis", 0));
        graph = opset < 13
            ? graph.Node("Unsqueeze", ["n"], "n1", Ints("axes", 0))
            : graph.Node("Constant", [], "axes", Tensor("value", [0], 1)).Node("Unsqueeze", ["n", "axes"], "n1");
        byte[] onnx = graph
            .Node("Constant", [], "minus", Tensor("value", [-1], 1))
            .Node("Concat", ["n1", "minus"], "target", Int("axis", 0))
            .Node("Reshape", ["r", "target"], "flat")
            .Floats("w", Random(24 * 3, 5), 3, 24).Floats("b", Random(3, 6), 3)
            .Node("Gemm", ["flat", "w", "b"], "y", Int("transB", 1))
            .Build("y");
        ModelDescription model = MatchesOnnxRuntime(onnx, 1, "view(x.size(0), -1)");
        MatchesOnnxRuntime(onnx, 5, "view(x.size(0), -1) at batch 5");
        Assert.IsType<FlattenNode>(model.Nodes[1]);
    }

    [Fact]
    public void AFixedBatchOfOneRunsRowByRow()
    {
        byte[] onnx = new OnnxGraph("x", [1, 2, 3, 4])
            .Longs("target", [1, -1], 2)
            .Node("Reshape", ["x", "target"], "y")
            .Build("y");
        ModelDescription model = MatchesOnnxRuntime(onnx, 1, "fixed batch 1");
        Assert.Equal(ShapeInfo.Features(24), model.ShapeOf(model.Output));
    }

    [Fact]
    public void Opset7BatchNormalizationWithSpatialMatchesOnnxRuntime()
    {
        byte[] onnx = new OnnxGraph("x", [0, 3, 4, 5], opset: 7)
            .Floats("scale", Random(3, 1, 0.5f, 2), 3).Floats("bias", Random(3, 2), 3)
            .Floats("mean", Random(3, 3), 3).Floats("var", Random(3, 4, 0.2f, 2), 3)
            .Node("BatchNormalization", ["x", "scale", "bias", "mean", "var"], "y", Int("spatial", 1), Float("epsilon", 1e-3f))
            .Build("y");
        ModelDescription model = MatchesOnnxRuntime(onnx, 3, "opset 7 BatchNormalization");
        Assert.Equal(1e-3, model.BatchNorms.Single().Options.Conventions.Epsilon, 1e-9);
    }

    public static TheoryData<string, byte[], string> Refusals() => new()
    {
        {
            "spatial 0 over images",
            new OnnxGraph("x", [0, 3, 4, 5], opset: 7).Floats("s", [1, 1, 1], 3).Floats("b", [0, 0, 0], 3).Floats("m", [0, 0, 0], 3).Floats("v", [1, 1, 1], 3)
                .Node("BatchNormalization", ["x", "s", "b", "m", "v"], "y", Int("spatial", 0)).Build("y"),
            "BatchNormalization node '/batchnormalization_0' has spatial = 0"
        },
        {
            "reshape that mixes samples",
            new OnnxGraph("x", [0, 2, 3, 4]).Longs("t", [-1, 6], 2).Node("Reshape", ["x", "t"], "y").Build("y"),
            "Reshape node '/reshape_0' reshapes [N, 2, 3, 4] to [-1, 6]; only reshapes to [N, 24] or to the same shape are supported"
        },
        {
            "reshape from a computed float",
            new OnnxGraph("x", [0, 4]).Node("Relu", ["x"], "r").Node("Reshape", ["x", "r"], "y").Build("y"),
            "Reshape node '/reshape_1' input shape 'r' is not a constant"
        },
        {
            "max pool indices",
            new OnnxGraph("x", [0, 1, 4, 4]).Node("MaxPool", ["x"], "y", Ints("kernel_shape", 2, 2)).Build("y") is var bytes ? WithSecondOutput(bytes) : [],
            "MaxPool node '/maxpool_0' writes the Indices output"
        },
        {
            "3-D convolution",
            new OnnxGraph("x", [0, 1, 4, 4, 4]).Floats("w", new float[8], 1, 1, 2, 2, 2).Node("Conv", ["x", "w"], "y").Build("y"),
            "Conv node '/conv_0' convolves [N, 1, 4, 4, 4]; only 2-D convolutions"
        },
        {
            "bad auto_pad",
            new OnnxGraph("x", [0, 1, 4, 4]).Floats("w", new float[4], 1, 1, 2, 2).Node("Conv", ["x", "w"], "y", String("auto_pad", "SAME")).Build("y"),
            "Conv node '/conv_0' has auto_pad 'SAME'"
        },
        {
            "group that does not divide",
            new OnnxGraph("x", [0, 3, 4, 4]).Floats("w", new float[4], 4, 1, 1, 1).Node("Conv", ["x", "w"], "y", Int("group", 2)).Build("y"),
            "Conv node '/conv_0' has group 2"
        },
        {
            "kernel larger than the input",
            new OnnxGraph("x", [0, 1, 2, 2]).Floats("w", new float[9], 1, 1, 3, 3).Node("Conv", ["x", "w"], "y").Build("y"),
            "Conv node '/conv_0' a 3x3 stride 1x1 pads (0,0,0,0) dilation 1x1 window does not fit an input of 2x2."
        },
    };

    private static byte[] WithSecondOutput(byte[] onnx)
    {
        ModelProto model = ModelProto.Parser.ParseFrom(onnx);
        model.Graph.Node[0].Output.Add("indices");
        return Google.Protobuf.MessageExtensions.ToByteArray(model);
    }

    [Theory]
    [MemberData(nameof(Refusals))]
    public void UnsupportedValuesAreRefusedNamingTheNodeAndTheOperator(string what, byte[] onnx, string message)
    {
        var error = Assert.Throws<DataFormatException>(() => OnnxImporter.Import(onnx, "m.onnx"));
        Assert.True(error.Message.Contains(message, StringComparison.Ordinal), $"{what}: {error.Message}");
    }
}
