using NativeBn.Model;
using NativeBn.Model.Nodes;
using NativeBn.Network;
using NativeBn.Normalization;
using NativeBn.Serialization;
using NativeBn.Tests.Reference;

namespace NativeBn.Tests.Model;

/// <summary>
/// Convolutional layers in the model description and in inference plans: every convolution and pooling variant
/// against a double-precision evaluation of its definition, a small CNN in each regime, folding of Conv+BatchNorm,
/// batch invariance across threads, and shape errors that name the node.
/// </summary>
public class ConvolutionalGraphTests
{
    private static ModelInput Image(int channels, int height, int width) =>
        new("x", new ShapeInfo([Dimension.Batch, Dimension.Of(channels), Dimension.Of(height), Dimension.Of(width)]));

    private static float[] Values(int count, int seed) => TestData.Uniform(count, seed, -1f, 1f);

    private static Conv2dNode Conv(string name, string input, int inputs, int outputs, Window2d window, int groups = 1, bool bias = true, int seed = 1) =>
        new(name, input, inputs, outputs, window, groups,
            Values(outputs * (inputs / groups) * window.KernelHeight * window.KernelWidth, seed), bias ? Values(outputs, seed + 1) : []);

    private static BatchNormNode Norm(string name, string input, int channels, int seed) =>
        new(name, input, new BatchNormOptions(),
            TestData.Uniform(channels, seed, 0.5f, 1.5f), Values(channels, seed + 1),
            [.. Values(channels, seed + 2).Select(v => (double)v * 0.3)], [.. TestData.Uniform(channels, seed + 3, 0.2f, 2f).Select(v => (double)v)], 3);

    /// <summary>Largest error relative to the largest magnitude of the expected output.</summary>
    private static void Matches(double[] expected, float[] actual, double tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = Math.Max(expected.Max(Math.Abs), 1e-30);
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs(actual[i] - expected[i]) / scale;
            Assert.True(error <= tolerance, $"{what}[{i}]: expected {expected[i]:R}, got {actual[i]:R} (error {error:E2} of the largest magnitude {scale:G4})");
        }
    }

    private static void PredictsLikeTheReference(ModelDescription model, string what, int samples = 3)
    {
        InferencePlan plan = InferencePlan.Build(model, InferenceRegime.Running);
        for (int s = 0; s < samples; s++)
        {
            float[] x = Values(plan.InputWidth, 100 + s);
            var y = new float[plan.OutputWidth];
            plan.Predict(x, y);
            Matches(ReferenceGraph.Evaluate(model, x), y, 1e-5, $"{what} sample {s}");
        }
    }

    public static TheoryData<string, int, int, int, int, int, Window2d, int, bool> Convolutions() => new()
    {
        { "3x3 same", 3, 4, 7, 9, 5, new Window2d(3, 3, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1), 1, true },
        { "3x3 stride 2", 3, 4, 9, 8, 6, new Window2d(3, 3, 2, 2, 1, 1, 1, 1), 1, false },
        { "asymmetric pads", 2, 3, 6, 7, 4, new Window2d(2, 3, 1, 2, padTop: 0, padLeft: 2, padBottom: 1, padRight: 0), 1, true },
        { "dilation 2", 2, 5, 9, 9, 3, new Window2d(3, 3, padTop: 2, padLeft: 2, padBottom: 2, padRight: 2, dilationHeight: 2, dilationWidth: 2), 1, true },
        { "groups 2", 4, 6, 5, 5, 2, new Window2d(3, 3, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1), 2, true },
        { "depthwise stride 2", 6, 6, 8, 7, 7, new Window2d(3, 3, 2, 2, 1, 1, 1, 1), 6, false },
        { "pointwise", 5, 7, 4, 6, 8, new Window2d(1, 1), 1, true },
        { "pointwise stride 2", 5, 3, 5, 6, 9, new Window2d(1, 1, 2, 2), 1, false },
        { "7x7 stride 2 pad 3", 3, 4, 13, 11, 10, new Window2d(7, 7, 2, 2, 3, 3, 3, 3), 1, false },
        { "1x1 output", 2, 3, 3, 3, 11, new Window2d(3, 3), 1, true },
        { "31 outputs: two tiles of 14 and a partial tile of 4", 3, 31, 9, 11, 12, new Window2d(3, 3, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1), 1, true },
        { "depth 288 in two blocks, 600 positions in two column blocks", 32, 15, 24, 25, 13, new Window2d(3, 3, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1), 1, true },
        { "three groups of 14 outputs", 6, 42, 7, 6, 14, new Window2d(2, 2, 1, 1, 1, 0, 0, 1), 3, false },
        { "depthwise stride 3 dilated asymmetric", 5, 5, 13, 17, 15, new Window2d(3, 2, 2, 3, 2, 0, 1, 3, 2, 3), 5, true },
        { "depthwise 5x5 stride 1", 3, 3, 33, 35, 16, new Window2d(5, 5, padTop: 2, padLeft: 2, padBottom: 2, padRight: 2), 3, true },
        { "pointwise wide", 20, 17, 12, 13, 17, new Window2d(1, 1), 1, true },
        { "depthwise 3x3 same on 3x3", 4, 4, 3, 3, 18, Same3x3, 4, true },
        { "depthwise 3x3 same on 3x17", 3, 3, 3, 17, 19, Same3x3, 3, false },
        { "depthwise 3x3 same on 4x7", 5, 5, 4, 7, 20, Same3x3, 5, true },
        { "depthwise 3x3 same on 7x7", 6, 6, 7, 7, 21, Same3x3, 6, true },
        { "depthwise 3x3 same on 14x14", 7, 7, 14, 14, 22, Same3x3, 7, false },
        { "depthwise 3x3 same on 5x33", 3, 3, 5, 33, 23, Same3x3, 3, true },
        { "depthwise 3x3 same on 18x16", 2, 2, 18, 16, 24, Same3x3, 2, true },
        { "depthwise 3x3 same on 9x40", 3, 3, 9, 40, 25, Same3x3, 3, true },
        { "pointwise on 8x8: whole panels, in place", 5, 7, 8, 8, 32, new Window2d(1, 1), 1, true },
        { "pointwise on 16x12 in two groups, in place", 6, 10, 16, 12, 33, new Window2d(1, 1), 2, false },
        { "pointwise on 32x32, 40 outputs, in place", 3, 40, 32, 32, 34, new Window2d(1, 1), 1, true },
        { "pointwise on 14x14: whole panels and a tail of 4 positions", 9, 20, 14, 14, 48, new Window2d(1, 1), 1, true },
        { "pointwise on 7x7 in two groups: a tail of 17 positions after a whole panel", 8, 6, 7, 7, 49, new Window2d(1, 1), 2, false },
        { "pointwise on 5x5: only a tail", 4, 31, 5, 5, 50, new Window2d(1, 1), 1, true },
        { "3x3 stride 2 on 9x70: phase rows split in vectors", 3, 5, 9, 70, 53, new Window2d(3, 3, 2, 2, 1, 1, 1, 1), 1, true },
        { "5x5 stride 2 pad 2 on 7x45", 2, 4, 7, 45, 54, new Window2d(5, 5, 2, 2, 2, 2, 2, 2), 1, false },
        { "pointwise stride 2 on 6x41", 3, 6, 6, 41, 55, new Window2d(1, 1, 2, 2), 1, true },
        { "7x7 stride 2 pad 3 on 12x23", 3, 8, 12, 23, 56, new Window2d(7, 7, 2, 2, 3, 3, 3, 3), 1, true },
        { "7x7 stride 2 pad 3 on 160x160, 70 outputs: the results moved out in several blocks on one thread", 2, 70, 160, 160, 57, new Window2d(7, 7, 2, 2, 3, 3, 3, 3), 1, true },
        { "3x3 same on 5x14: rows of 14 on position tiles, a partial channel block", 6, 40, 5, 14, 60, Same3x3, 1, true },
        { "3x3 stride 2 on 9x28: rows of 14 on position tiles", 4, 17, 9, 28, 61, Stride2, 1, false },
        { "3x3 same in two groups on 3x14: position tiles per group", 4, 6, 3, 14, 62, Same3x3, 2, true },
        { "depth 288 on 4x14: position tiles over two tap blocks", 32, 20, 4, 14, 63, Same3x3, 1, true },
        { "depthwise 3x3 stride 2 on 4x4", 3, 3, 4, 4, 26, Stride2, 3, true },
        { "depthwise 3x3 stride 2 on 10x10", 3, 3, 10, 10, 27, Stride2, 3, true },
        { "depthwise 3x3 stride 2 on 14x14", 4, 4, 14, 14, 28, Stride2, 4, false },
        { "depthwise 3x3 stride 2 on 28x20", 3, 3, 28, 20, 29, Stride2, 3, true },
        { "depthwise 3x3 stride 2 on 8x36", 2, 2, 8, 36, 30, Stride2, 2, true },
        { "depthwise 3x3 stride 2 on 6x70", 2, 2, 6, 70, 31, Stride2, 2, true },
        { "depthwise 3x3 same, 19 channels: two blocks of 8 and three alone", 19, 19, 7, 9, 35, Same3x3, 19, true },
        { "depthwise 3x3 stride 2, 17 channels on 14x14", 17, 17, 14, 14, 36, Stride2, 17, false },
        { "depthwise 5x3 stride 2x1 dilated asymmetric, 24 channels", 24, 24, 11, 13, 37, new Window2d(5, 3, 2, 1, 3, 1, 2, 0, 2, 1), 24, true },
        { "depthwise 3x3 same, 9 channels on 2x3", 9, 9, 2, 3, 38, Same3x3, 9, true },
        { "depthwise 3x3 same, 16 channels on 28x28", 16, 16, 28, 28, 39, Same3x3, 16, false },
        { "16 outputs: two tiles of 8", 5, 16, 6, 7, 42, Same3x3, 1, true },
        { "22 outputs: a tile of 14 and one of 8", 4, 22, 5, 9, 43, Same3x3, 1, true },
        { "30 outputs: a tile of 14 and two of 8", 6, 30, 7, 5, 44, Same3x3, 1, false },
        { "45 outputs: three tiles of 14 and a partial tile of 4", 3, 45, 4, 6, 45, Same3x3, 1, true },
        { "16 outputs on 8x10: wide tiles", 4, 16, 8, 10, 64, Same3x3, 1, true },
        { "7x7 stride 2 pad 3, 24 outputs on 32x42: wide tiles", 3, 24, 32, 42, 65, new Window2d(7, 7, 2, 2, 3, 3, 3, 3), 1, false },
        { "two groups of 8 outputs on 16x22: wide tiles per group", 8, 16, 16, 22, 66, Same3x3, 2, true },
        { "depth 288, 64 outputs on 8x10: wide tiles over two depth blocks", 32, 64, 8, 10, 67, Same3x3, 1, true },
        { "pointwise, 16 outputs on 20x20: wide panels in place and a wide tail of 16", 32, 16, 20, 20, 68, new Window2d(1, 1), 1, true },
        { "pointwise, 24 outputs on 5x9: only a wide tail", 33, 24, 5, 9, 69, new Window2d(1, 1), 1, false },
    };

    /// <summary>
    /// The convolutions named for wide tiles above take them at every vector width: their GEMM columns (OH·PhaseWidth)
    /// are a multiple of 96, which wide and narrow panels both divide, and their outputs per group a multiple of 8.
    /// </summary>
    [Theory]
    [InlineData(16, 36, 8, 10, false)]
    [InlineData(24, 147, 32, 42, true)]
    [InlineData(8, 36, 16, 22, false)]
    [InlineData(64, 288, 8, 10, false)]
    [InlineData(40, 288, 8, 34, false)]
    public void WideTilesAreTakenWhereTheyWasteNoColumns(int groupOutputs, int depth, int height, int width, bool stem)
    {
        Window2d window = stem ? new Window2d(7, 7, 2, 2, 3, 3, 3, 3) : Same3x3;
        long columns = (long)window.OutputHeight(height) * ((width + window.PadLeft + window.PadRight + window.StrideWidth - 1) / window.StrideWidth);
        Assert.Equal(0, columns % 96);
        Assert.Equal(NativeBn.Kernels.PackedGemm.WidePanel, NativeBn.Kernels.PackedGemm.PanelFor(groupOutputs, depth, columns));
    }

    /// <summary>
    /// The pointwise cases named for wide panels above take them at every vector width (their positions, 400 and 45, round
    /// up to at most 5 % more columns in wide panels than in narrow ones at 16, 8, 4 and 1 floats per vector; their
    /// depth, the input channels, is at least 32).
    /// </summary>
    [Theory]
    [InlineData(16, 32, 400)]
    [InlineData(24, 33, 45)]
    public void PointwiseConvolutionsTakeWidePanelsWhereTheyWasteFewColumns(int groupOutputs, int depth, int positions) =>
        Assert.Equal(NativeBn.Kernels.PackedGemm.WidePanel, NativeBn.Kernels.PackedGemm.PanelFor(groupOutputs, depth, positions));

    private static Window2d Stride2 => new(3, 3, 2, 2, 1, 1, 1, 1);

    private static Window2d Same3x3 => new(3, 3, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1);

    [Theory]
    [InlineData(7, 7, 1, 6)]
    [InlineData(14, 14, 1, 6)]
    [InlineData(6, 35, 1, 6)]
    [InlineData(14, 14, 2, 6)]
    [InlineData(8, 40, 2, 6)]
    [InlineData(7, 7, 1, 21)]
    [InlineData(14, 14, 2, 21)]
    public void DepthwiseWithFusedClipMatchesItsDefinition(int height, int width, int stride, int channels)
    {
        ModelNode[] nodes = [Conv("dw", "x", channels, channels, stride == 1 ? Same3x3 : Stride2, groups: channels, seed: 30), new ClipNode("relu6", "dw", 0f, 0.5f)];
        PredictsLikeTheReference(new ModelDescription([Image(channels, height, width)], nodes, ["relu6"]), $"depthwise + clip on {channels}x{height}x{width}");
    }

    /// <summary>32 inputs run on blocked inputs (<see cref="BlockedConvolution"/>), 30 on the GEMM path.</summary>
    [Theory]
    [InlineData(100, 5, 5, 32)]
    [InlineData(36, 24, 20, 32)]
    [InlineData(45, 9, 9, 32)]
    [InlineData(40, 8, 34, 32)]
    [InlineData(100, 5, 5, 30)]
    [InlineData(40, 8, 34, 30)]
    public void ConvolutionSharedAmongThreadsGivesTheSameBits(int outputs, int height, int width, int inputs)
    {
        ModelNode[] nodes = [Conv("conv", "x", inputs, outputs, Same3x3, seed: 46), new ClipNode("relu6", "conv", 0f, 6f)];
        var model = new ModelDescription([Image(inputs, height, width)], nodes, ["relu6"]);
        PredictsLikeTheReference(model, $"{outputs} outputs on {inputs}x{height}x{width}", samples: 1);
        GivesTheSameBitsOnOneAndTwoThreads(model, 47);
    }

    [Theory]
    [InlineData(100, 6, 1)]
    [InlineData(40, 14, 2)]
    public void PositionTilesSharedAmongThreadsGiveTheSameBits(int outputs, int height, int stride)
    {
        ModelNode[] nodes = [Conv("conv", "x", 12, outputs, stride == 1 ? Same3x3 : Stride2, seed: 64), new ReluNode("relu", "conv")];
        var model = new ModelDescription([Image(12, height, 14 * stride)], nodes, ["relu"]);
        PredictsLikeTheReference(model, $"{outputs} outputs on rows of 14, stride {stride}", samples: 1);
        GivesTheSameBitsOnOneAndTwoThreads(model, 65);
    }

    [Theory]
    [InlineData(96, 14, 14)]
    [InlineData(160, 7, 7)]
    [InlineData(40, 28, 28)]
    public void PointwiseSharedAmongThreadsGivesTheSameBits(int outputs, int height, int width)
    {
        ModelNode[] nodes = [Conv("pointwise", "x", 64, outputs, new Window2d(1, 1), seed: 51), new ClipNode("relu6", "pointwise", 0f, 0.5f)];
        var model = new ModelDescription([Image(64, height, width)], nodes, ["relu6"]);
        PredictsLikeTheReference(model, $"pointwise to {outputs} outputs on {height}x{width}", samples: 1);
        GivesTheSameBitsOnOneAndTwoThreads(model, 52);
    }

    [Theory]
    [InlineData("relu", 5, 6)]
    [InlineData("relu", 16, 48)]
    [InlineData("clip", 16, 48)]
    [InlineData("two readers", 16, 48)]
    public void ResidualAdditionsWithAnActivationAfterThemMatchTheirDefinition(string after, int channels, int size)
    {
        ModelNode activation = after == "clip" ? new ClipNode("act", "sum", -0.25f, 0.5f) : new ReluNode("act", "sum");
        List<ModelNode> nodes = [Conv("a", "x", 3, channels, Same3x3, seed: 57), Conv("b", "x", 3, channels, new Window2d(1, 1), seed: 59),
            new AddNode("sum", "a", "b"), activation];
        string[] outputs = ["act"];
        if (after == "two readers")
        {
            nodes.Add(new AddNode("again", "sum", "act"));
            outputs = ["again"];
        }

        var model = new ModelDescription([Image(3, size, size)], nodes, outputs);
        PredictsLikeTheReference(model, $"add then {after} on {channels}x{size}x{size}");
        GivesTheSameBitsOnOneAndTwoThreads(model, 61);
    }

    public static TheoryData<string, int, int, int, int, string> ResidualConvolutions() => new()
    {
        { "3x3 on 10x12: the GEMM path", 5, 20, 10, 12, "relu" },
        { "3x3 on 28x28, 40 outputs: the GEMM path in several blocks", 9, 40, 28, 28, "none" },
        { "3x3 on 20x20, 70 outputs: blocked inputs, the last block of outputs partial", 16, 70, 20, 20, "relu" },
        { "3x3 on 28x28 to 14x14, stride 2: blocked inputs", 8, 36, 28, 28, "clip" },
        { "3x3 on 6x14: position tiles", 6, 40, 6, 14, "clip" },
        { "3x3 on 28x28 to 14x14, stride 2: position tiles", 6, 36, 28, 28, "relu" },
        { "1x1 on 7x7: in place, a whole panel and a tail", 9, 12, 7, 7, "clip" },
        { "1x1 on 16x16: in place, whole panels only", 7, 24, 16, 16, "none" },
        { "1x1 on 20x20, 16 outputs: wide panels in place and a wide tail", 32, 16, 20, 20, "relu" },
        { "1x1 stride 2 on 12x12: the GEMM path", 6, 10, 12, 12, "relu" },
    };

    /// <summary>
    /// A shortcut, then a convolution whose only reader is the addition of the two: the plan adds the shortcut inside the
    /// convolution (one step fewer), and every output has the bits of the same model with the addition left on its own
    /// (an identity between the convolution and the addition keeps them apart), on one thread and on two.
    /// </summary>
    [Theory]
    [MemberData(nameof(ResidualConvolutions))]
    public void ResidualsAddedInsideConvolutionsGiveTheBitsOfTheAdditionAfterThem(string what, int inputs, int outputs, int height, int width, string after)
    {
        Window2d window = what.StartsWith("1x1", StringComparison.Ordinal)
            ? (what.Contains("stride 2", StringComparison.Ordinal) ? new Window2d(1, 1, 2, 2) : new Window2d(1, 1))
            : (what.Contains("stride 2", StringComparison.Ordinal) ? Stride2 : Same3x3);
        Window2d shortcutWindow = window.StrideHeight == 2 ? new Window2d(1, 1, 2, 2) : new Window2d(1, 1);
        ModelDescription Build(bool apart)
        {
            List<ModelNode> nodes = [Conv("shortcut", "x", inputs, outputs, shortcutWindow, seed: 70), Conv("main", "x", inputs, outputs, window, seed: 72)];
            if (apart)
            {
                nodes.Add(new IdentityNode("apart", "main"));
            }

            nodes.Add(new AddNode("sum", apart ? "apart" : "main", "shortcut"));
            string output = "sum";
            if (after != "none")
            {
                nodes.Add(after == "clip" ? new ClipNode("act", "sum", -0.5f, 0.75f) : new ReluNode("act", "sum"));
                output = "act";
            }

            return new ModelDescription([Image(inputs, height, width)], nodes, [output]);
        }

        InferencePlan fusedPlan = InferencePlan.Build(Build(apart: false), InferenceRegime.Running);
        InferencePlan apartPlan = InferencePlan.Build(Build(apart: true), InferenceRegime.Running);
        Assert.Equal(apartPlan.StepCount - 1, fusedPlan.StepCount);
        PredictsLikeTheReference(Build(apart: false), what);
        foreach (int threads in new[] { 1, 2 })
        {
            float[] x = Values(fusedPlan.InputWidth, 74 + threads);
            float[] fused = new float[fusedPlan.OutputWidth], apart = new float[apartPlan.OutputWidth];
            fusedPlan.Predict(x, fused, threads);
            apartPlan.Predict(x, apart, threads);
            Assert.Equal(apart, fused);
        }
    }

    public static TheoryData<string, int, int, int, int, string, int> BlockedHandOffs() => new()
    {
        { "3x3 then ReLU then 3x3 on 12x12", 16, 40, 12, 12, "relu", 1 },
        { "3x3 then a clip then 3x3 stride 2 on 15x13", 8, 48, 15, 13, "clip", 1 },
        { "3x3 then 5x5 dilated with asymmetric pads on 9x11", 8, 40, 9, 11, "none 5x5", 1 },
        { "3x3 stride 2 then ReLU then 3x3 on 20x20, 72 channels: a partial block of outputs", 16, 72, 20, 20, "stride 2", 1 },
        { "a ResNet block: 3x3, ReLU, 3x3 plus the shortcut, ReLU", 16, 40, 14, 14, "residual", 1 },
        { "three 3x3 in a row on 10x9: the middle one reads and writes blocks", 8, 40, 10, 9, "three", 2 },
    };

    /// <summary>
    /// A convolution on blocked inputs whose only reader is another one writes its outputs straight into the reader's
    /// blocked layout (the plan counts these hand-offs): the outputs match the definition, and have the bits of the same
    /// model with an identity between the two (which keeps each convolution on its own layouts), on one thread and on two.
    /// The samples are predicted one after another on the same scratch, whose memory later steps reuse, so the layout's
    /// padding must be cleared on every prediction.
    /// </summary>
    [Theory]
    [MemberData(nameof(BlockedHandOffs))]
    public void BlockedHandOffsGiveTheBitsOfConvolutionsOnTheirOwn(string what, int inputs, int channels, int height, int width, string kind, int handOffs)
    {
        Window2d first = kind == "stride 2" ? Stride2 : Same3x3;
        Window2d second = kind switch
        {
            "clip" => Stride2,
            "none 5x5" => new Window2d(5, 5, 1, 1, 3, 1, 4, 2, 2, 2),
            _ => Same3x3,
        };
        ModelDescription Build(bool apart)
        {
            List<ModelNode> nodes = [Conv("a", "x", inputs, channels, first, seed: 80)];
            string last = "a";
            if (kind != "none 5x5")
            {
                nodes.Add(kind == "clip" ? new ClipNode("act", "a", -0.5f, 0.75f) : new ReluNode("act", "a"));
                last = "act";
            }

            if (apart)
            {
                nodes.Add(new IdentityNode("apart", last));
                last = "apart";
            }

            nodes.Add(Conv("b", last, channels, channels, second, seed: 82));
            last = "b";
            if (kind == "residual")
            {
                Window2d shortcut = new(1, 1);
                nodes.Add(Conv("shortcut", "x", inputs, channels, shortcut, seed: 84));
                nodes.Add(new AddNode("sum", "b", "shortcut"));
                nodes.Add(new ReluNode("out", "sum"));
                last = "out";
            }
            else if (kind == "three")
            {
                nodes.Add(new ReluNode("act2", "b"));
                if (apart)
                {
                    nodes.Add(new IdentityNode("apart2", "act2"));
                }

                nodes.Add(Conv("c", apart ? "apart2" : "act2", channels, 48, Same3x3, seed: 86));
                nodes.Add(Conv("d", "c", 48, 40, new Window2d(1, 1), seed: 88));
                last = "d";
            }

            return new ModelDescription([Image(inputs, height, width)], nodes, [last]);
        }

        InferencePlan handedPlan = InferencePlan.Build(Build(apart: false), InferenceRegime.Running);
        InferencePlan apartPlan = InferencePlan.Build(Build(apart: true), InferenceRegime.Running);
        Assert.Equal(handOffs, handedPlan.BlockedHandOffs);
        Assert.Equal(0, apartPlan.BlockedHandOffs);
        PredictsLikeTheReference(Build(apart: false), what);
        foreach (int threads in new[] { 1, 2 })
        {
            for (int sample = 0; sample < 2; sample++)
            {
                float[] x = Values(handedPlan.InputWidth, 90 + 2 * threads + sample);
                float[] handed = new float[handedPlan.OutputWidth], apart = new float[apartPlan.OutputWidth];
                handedPlan.Predict(x, handed, threads);
                apartPlan.Predict(x, apart, threads);
                Assert.Equal(apart, handed);
            }
        }
    }

    private static void GivesTheSameBitsOnOneAndTwoThreads(ModelDescription model, int seed)
    {
        InferencePlan plan = InferencePlan.Build(model, InferenceRegime.Running);
        float[] x = Values(plan.InputWidth, seed);
        float[] one = new float[plan.OutputWidth], two = new float[plan.OutputWidth];
        plan.Predict(Values(plan.InputWidth, seed + 1), two, 2);
        plan.Predict(x, two, 2);
        plan.Predict(x, one, 1);
        Assert.Equal(one, two);
    }

    [Theory]
    [InlineData(1001, true)]
    [InlineData(1002, false)]
    public void DenseSharedAmongThreadsGivesTheSameBits(int outputs, bool relu)
    {
        ModelNode[] nodes = relu
            ? [new DenseNode("fc", "x", 320, outputs, Values(320 * outputs, 48), Values(outputs, 49)), new ReluNode("relu", "fc")]
            : [new DenseNode("fc", "x", 320, outputs, Values(320 * outputs, 48), Values(outputs, 49))];
        var model = new ModelDescription([new ModelInput("x", ShapeInfo.Features(320))], nodes, [relu ? "relu" : "fc"]);
        PredictsLikeTheReference(model, $"dense 320 -> {outputs}", samples: 1);
        GivesTheSameBitsOnOneAndTwoThreads(model, 50);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void DepthwiseSharedAmongThreadsGivesTheSameBits(int stride)
    {
        ModelNode[] nodes = [Conv("dw", "x", 43, 43, stride == 1 ? Same3x3 : Stride2, groups: 43, seed: 40), new ClipNode("relu6", "dw", 0f, 0.5f)];
        GivesTheSameBitsOnOneAndTwoThreads(new ModelDescription([Image(43, 30, 29)], nodes, ["relu6"]), 41);
    }

    [Theory]
    [MemberData(nameof(Convolutions))]
    public void ConvolutionsMatchTheirDefinition(string what, int inputs, int outputs, int height, int width, int seed, Window2d window, int groups, bool bias)
    {
        var model = new ModelDescription([Image(inputs, height, width)], [Conv("conv", "x", inputs, outputs, window, groups, bias, seed)], ["conv"]);
        PredictsLikeTheReference(model, what);
    }

    public static TheoryData<string, PoolKind, Window2d, bool, bool> Pools() => new()
    {
        { "max 2x2", PoolKind.Max, new Window2d(2, 2, 2, 2), false, false },
        { "max 3x3 stride 2 pad 1", PoolKind.Max, new Window2d(3, 3, 2, 2, 1, 1, 1, 1), false, false },
        { "max ceil", PoolKind.Max, new Window2d(3, 3, 2, 2), true, false },
        { "max dilated", PoolKind.Max, new Window2d(2, 2, 1, 1, dilationHeight: 2, dilationWidth: 2), false, false },
        { "average 2x2", PoolKind.Average, new Window2d(2, 2, 2, 2), false, false },
        { "average pad excluded", PoolKind.Average, new Window2d(3, 3, 2, 2, 1, 1, 1, 1), false, false },
        { "average pad included", PoolKind.Average, new Window2d(3, 3, 2, 2, 1, 1, 1, 1), false, true },
        { "average ceil pad included", PoolKind.Average, new Window2d(3, 3, 2, 2, 1, 0, 1, 0), true, true },
        { "average ceil", PoolKind.Average, new Window2d(2, 2, 2, 2), true, false },
    };

    [Theory]
    [MemberData(nameof(Pools))]
    public void PoolsMatchTheirDefinition(string what, PoolKind kind, Window2d window, bool ceil, bool countIncludePad)
    {
        var model = new ModelDescription([Image(3, 7, 8)], [new PoolNode("pool", "x", kind, window, ceil, countIncludePad)], ["pool"]);
        PredictsLikeTheReference(model, what);
    }

    public static TheoryData<string, int, int, int, Window2d, bool> MaxPoolsOnChannelBlocks() => new()
    {
        { "3x3 stride 2 pad 1, 19 channels on 13x12", 19, 13, 12, new Window2d(3, 3, 2, 2, 1, 1, 1, 1), false },
        { "2x2 stride 2, 16 channels on 8x10", 16, 8, 10, new Window2d(2, 2, 2, 2), false },
        { "3x3 stride 2 ceil, 11 channels on 9x7", 11, 9, 7, new Window2d(3, 3, 2, 2), true },
        { "dilated 2x2, 8 channels on 6x5", 8, 6, 5, new Window2d(2, 2, 1, 1, dilationHeight: 2, dilationWidth: 2), false },
        { "3x3 stride 2 pad 1, 24 channels on 1x1", 24, 1, 1, new Window2d(3, 3, 2, 2, 1, 1, 1, 1), false },
        { "3x3 stride 2 pad 1, 43 channels on 40x40, shared among threads", 43, 40, 40, new Window2d(3, 3, 2, 2, 1, 1, 1, 1), false },
    };

    [Theory]
    [MemberData(nameof(MaxPoolsOnChannelBlocks))]
    public void MaxPoolsOfManyChannelsMatchTheirDefinitionAtAnyThreadCount(string what, int channels, int height, int width, Window2d window, bool ceil)
    {
        var model = new ModelDescription([Image(channels, height, width)], [new PoolNode("pool", "x", PoolKind.Max, window, ceil, false)], ["pool"]);
        PredictsLikeTheReference(model, what);
        GivesTheSameBitsOnOneAndTwoThreads(model, 7);
    }

    /// <summary>conv → BN → ReLU6 → max-pool → depthwise → BN → ReLU → pointwise → BN → add(skip) → GAP → flatten → dense → softmax.</summary>
    private static ModelDescription SmallCnn()
    {
        ModelNode[] nodes =
        [
            Conv("c1", "x", 3, 8, new Window2d(3, 3, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1), bias: false, seed: 1),
            Norm("bn1", "c1", 8, 10),
            new ClipNode("r1", "bn1", 0f, 6f),
            new PoolNode("p1", "r1", PoolKind.Max, new Window2d(2, 2, 2, 2)),
            Conv("dw", "p1", 8, 8, new Window2d(3, 3, 1, 1, 1, 1, 1, 1), groups: 8, bias: false, seed: 20),
            Norm("bn2", "dw", 8, 30),
            new ReluNode("r2", "bn2"),
            Conv("pw", "r2", 8, 8, new Window2d(1, 1), seed: 40),
            Norm("bn3", "pw", 8, 50),
            new AddNode("sum", "bn3", "p1"),
            new GlobalAveragePoolNode("gap", "sum"),
            new FlattenNode("flat", "gap"),
            new DenseNode("fc", "flat", 8, 4, Values(32, 60), Values(4, 61)),
            new SoftmaxNode("p", "fc"),
        ];
        return new ModelDescription([Image(3, 10, 12)], nodes, ["p"]);
    }

    [Fact]
    public void ASmallCnnPredictsLikeItsDoublePrecisionEvaluationFoldedOrNot()
    {
        ModelDescription model = SmallCnn();
        ModelDescription folded = ModelFolding.Fold(model);
        Assert.Empty(folded.BatchNorms);
        Assert.Equal(["c1", "r1", "p1", "dw", "r2", "pw", "sum", "gap", "flat", "fc", "p"], folded.Nodes.Select(n => n.Name));
        foreach (InferenceRegime regime in new[] { InferenceRegime.Running, InferenceRegime.Folded })
        {
            InferencePlan plan = InferencePlan.Build(model, regime);
            Assert.Equal(3 * 10 * 12, plan.InputWidth);
            for (int s = 0; s < 4; s++)
            {
                float[] x = Values(plan.InputWidth, 200 + s);
                var y = new float[4];
                plan.Predict(x, y);
                Matches(ReferenceGraph.Evaluate(model, x), y, 1e-5, $"{regime} sample {s}");
                Matches(ReferenceGraph.Evaluate(folded, x), y, 1e-5, $"{regime} against the folded graph, sample {s}");
            }
        }
    }

    [Fact]
    public void FoldingConvolutionsThatReadBatchNormsDirectlyRewiresThem()
    {
        var model = new ModelDescription([Image(2, 6, 6)],
        [
            Conv("a", "x", 2, 4, new Window2d(3, 3), seed: 1), Norm("a.bn", "a", 4, 2),
            Conv("b", "a.bn", 4, 4, new Window2d(1, 1), seed: 3), Norm("b.bn", "b", 4, 4),
            Conv("c", "b.bn", 4, 2, new Window2d(3, 3, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1), groups: 2, bias: false, seed: 5), Norm("c.bn", "c", 2, 6),
        ], ["c.bn"]);
        ModelDescription folded = ModelFolding.Fold(model);
        Assert.Equal(["a", "b", "c.bn"], folded.Nodes.Select(n => n.Name));
        Assert.Equal(["a"], folded.Producer("b")!.Inputs.ToArray());
        Assert.Equal(["b"], folded.Producer("c.bn")!.Inputs.ToArray());
        InferencePlan plan = InferencePlan.Build(model, InferenceRegime.Folded);
        float[] x = Values(plan.InputWidth, 8);
        var y = new float[plan.OutputWidth];
        plan.Predict(x, y);
        Matches(ReferenceGraph.Evaluate(model, x), y, 1e-5, "three folded convolutions");
    }

    [Fact]
    public void ABatchNormOverImagesNormalizesEachChannelPlane()
    {
        var model = new ModelDescription([Image(5, 3, 4)], [Norm("bn", "x", 5, 7), new ReluNode("r", "bn")], ["r"]);
        PredictsLikeTheReference(model, "BatchNorm + ReLU over [N, 5, 3, 4]");
    }

    [Fact]
    public void ClipWithInfiniteBoundsIsOneSided()
    {
        var model = new ModelDescription([Image(2, 3, 3)], [new ClipNode("c", "x", float.NegativeInfinity, 0.25f)], ["c"]);
        PredictsLikeTheReference(model, "Clip(-inf, 0.25)");
    }

    [Fact]
    public void EverySampleIsPredictedBitwiseTheSameOnAnyThread()
    {
        InferencePlan plan = InferencePlan.Build(SmallCnn(), InferenceRegime.Folded);
        const int samples = 64;
        float[][] inputs = [.. Enumerable.Range(0, samples).Select(s => Values(plan.InputWidth, 300 + s))];
        float[][] Predict() => [.. inputs.Select(x =>
        {
            var y = new float[plan.OutputWidth];
            plan.Predict(x, y);
            return y;
        })];

        float[][] alone = Predict();
        float[][][] threaded = [.. Enumerable.Range(0, 2).AsParallel().WithDegreeOfParallelism(2).Select(_ => Predict())];
        foreach (float[][] run in threaded)
        {
            for (int s = 0; s < samples; s++)
            {
                Assertions.BitwiseEqual(alone[s], run[s], $"sample {s}");
            }
        }
    }

    [Fact]
    public void EverySampleOfABatchIsPredictedBitwiseAsAloneAtAnyBatchSizeAndThreadCount()
    {
        InferencePlan plan = InferencePlan.Build(SmallCnn(), InferenceRegime.Running);
        const int samples = 37;
        float[] x = Values(samples * plan.InputWidth, 400);
        var alone = new float[samples * plan.OutputWidth];
        for (int s = 0; s < samples; s++)
        {
            plan.Predict(x.AsSpan(s * plan.InputWidth, plan.InputWidth), alone.AsSpan(s * plan.OutputWidth, plan.OutputWidth));
        }

        foreach (int batch in new[] { 1, 2, 5, 37 })
        {
            foreach (int threads in new[] { 1, 2, 3 })
            {
                var y = new float[samples * plan.OutputWidth];
                for (int first = 0; first < samples; first += batch)
                {
                    int count = Math.Min(batch, samples - first);
                    plan.PredictBatch(x.AsSpan(first * plan.InputWidth, count * plan.InputWidth), y.AsSpan(first * plan.OutputWidth, count * plan.OutputWidth), threads);
                }

                Assertions.BitwiseEqual(alone, y, $"batches of {batch} on up to {threads} threads");
            }
        }
    }

    [Fact]
    public void PredictingAConvolutionalSampleIsAllocationFree()
    {
        InferencePlan plan = InferencePlan.Build(SmallCnn(), InferenceRegime.Folded);
        float[] x = Values(plan.InputWidth, 5);
        var y = new float[plan.OutputWidth];
        long allocated = AllocationMeter.Measure(() =>
        {
            for (int i = 0; i < 10; i++)
            {
                plan.Predict(x, y);
            }
        });

        Assert.Equal(0, allocated);
    }

    [Fact]
    public void RecalibratingACnnGivesEachLayerTheExactMomentsOfItsInputs()
    {
        ModelDescription model = SmallCnn();
        const int samples = 70;
        var data = NativeBn.Data.Dataset.Unlabeled(TestData.Uniform(samples * 360, 77, -1f, 2f), 360);
        ModelDescription recalibrated = PopulationRecalibration.Run(model, data);
        Assert.Equal(model.Nodes.Select(n => n.Name), recalibrated.Nodes.Select(n => n.Name));

        ModelDescription reference = model;
        foreach (BatchNormNode original in model.BatchNorms)
        {
            var layer = (BatchNormNode)recalibrated.Producer(original.Name)!;
            PopulationMoments population = layer.Population!;
            Assert.Equal(samples * (recalibrated.ShapeOf(layer.Name).ValuesPerSample / layer.Channels), population.Count);

            InferencePlan upstream = InferencePlan.Build(recalibrated.Upstream(layer.Inputs[0]), InferenceRegime.Population);
            float[][] inputs = [.. Enumerable.Range(0, samples).Select(n =>
            {
                var y = new float[upstream.OutputWidth];
                upstream.Predict(data.Sample(n), y);
                return y;
            })];
            (double[] mean, double[] variance) = TwoPass(inputs.Select(v => v.Select(x => (double)x).ToArray()), layer.Channels);
            for (int c = 0; c < layer.Channels; c++)
            {
                Assertions.Relative(mean[c], population.Mean[c], 1e-9, $"{layer.Name} mean[{c}] against two passes over NativeBn's float inputs");
                Assert.True(Math.Abs(population.Variance[c] - variance[c]) <= (variance[c] < 1e-6 ? 1e-12 : 1e-9 * variance[c]),
                    $"{layer.Name} variance[{c}]: {population.Variance[c]:R} against {variance[c]:R}");
            }

            double[][] exact = [.. Enumerable.Range(0, samples).Select(n => ReferenceGraph.Evaluate(reference.Upstream(layer.Inputs[0]), data.Sample(n), NormalizationStatistics.Population))];
            (double[] exactMean, double[] exactVariance) = TwoPass(exact, layer.Channels);
            for (int c = 0; c < layer.Channels; c++)
            {
                double spread = Math.Sqrt(exactVariance[c]);
                Assert.True(Math.Abs(population.Mean[c] - exactMean[c]) <= 1e-5 * Math.Max(Math.Abs(exactMean[c]), spread),
                    $"{layer.Name} mean[{c}]: {population.Mean[c]:R} against a float64 forward's {exactMean[c]:R}");
                Assertions.Relative(exactVariance[c], population.Variance[c], 1e-5, $"{layer.Name} variance[{c}] against a float64 forward");
            }

            var moments = new PopulationMoments(exactMean, exactVariance, population.Count);
            reference = reference.WithNodes(n => n.Name == layer.Name ? ((BatchNormNode)n).WithPopulation(moments) : n);
        }
    }

    /// <summary>Per-channel mean, then mean squared deviation, of samples laid out <c>[C, positions]</c>.</summary>
    private static (double[] Mean, double[] Variance) TwoPass(IEnumerable<double[]> samples, int channels)
    {
        double[][] all = [.. samples];
        int positions = all[0].Length / channels;
        double[] mean = [.. Enumerable.Range(0, channels).Select(c => all.Sum(v => v.Skip(c * positions).Take(positions).Sum()) / (all.Length * positions))];
        double[] variance = [.. Enumerable.Range(0, channels).Select(c =>
            all.Sum(v => v.Skip(c * positions).Take(positions).Sum(x => (x - mean[c]) * (x - mean[c]))) / (all.Length * positions))];
        return (mean, variance);
    }

    [Fact]
    public void TheModelFileKeepsEveryConvolutionalAttribute()
    {
        ModelDescription model = SmallCnn();
        byte[] bytes = ModelFile.Serialize(model);
        ModelDescription loaded = ModelFile.Deserialize(bytes, "cnn.nbm");
        Assert.Equal(bytes, ModelFile.Serialize(loaded));
        var conv = (Conv2dNode)loaded.Producer("dw")!;
        Assert.Equal((8, 8, 8, false), (conv.InputChannels, conv.OutputChannels, conv.Groups, conv.HasBias));
        Assert.Equal(new Window2d(3, 3, 1, 1, 1, 1, 1, 1), conv.Window);
        Assert.Equal(((Conv2dNode)model.Producer("dw")!).Weight.ToArray(), conv.Weight.ToArray());
        Assert.Equal((0f, 6f), (((ClipNode)loaded.Producer("r1")!).Min, ((ClipNode)loaded.Producer("r1")!).Max));
        Assert.Equal(PoolKind.Max, ((PoolNode)loaded.Producer("p1")!).Pool);
        float[] x = Values(360, 9);
        var expected = new float[4];
        var actual = new float[4];
        InferencePlan.Build(model, InferenceRegime.Running).Predict(x, expected);
        InferencePlan.Build(loaded, InferenceRegime.Running).Predict(x, actual);
        Assertions.BitwiseEqual(expected, actual, "loaded model");

        byte[] corrupt = (byte[])bytes.Clone();
        int kernel = FindWindow(corrupt);
        BitConverter.GetBytes(0).CopyTo(corrupt, kernel);
        BitConverter.GetBytes(Crc32Of(corrupt)).CopyTo(corrupt, corrupt.Length - 4);
        Assert.Contains("the kernel height of node 'c1'", Assert.Throws<NativeBn.Data.DataFormatException>(() => ModelFile.Deserialize(corrupt, "cnn.nbm")).Message);
    }

    /// <summary>Offset of the first window record: after c1's record header (kind, name, inputs) and its three channel counts.</summary>
    private static int FindWindow(byte[] file)
    {
        byte[] marker = [.. BitConverter.GetBytes(3), .. BitConverter.GetBytes(8), .. BitConverter.GetBytes(1), .. BitConverter.GetBytes(3), .. BitConverter.GetBytes(3)];
        return file.AsSpan().IndexOf(marker) + 12;
    }

    private static uint Crc32Of(byte[] file) => Crc32.Compute(file.AsSpan(0, file.Length - 4));

    [Fact]
    public void ShapeErrorsNameTheNode()
    {
        Assert.Equal("Node 'conv' (Conv2d): takes [N, 4, H, W], got [N, 3, 8, 8].",
            Assert.Throws<ArgumentException>(() => new ModelDescription([Image(3, 8, 8)], [Conv("conv", "x", 4, 2, new Window2d(3, 3))], ["conv"])).Message);
        Assert.Contains("Node 'conv' (Conv2d): a 5x5 stride 1x1",
            Assert.Throws<ArgumentException>(() => new ModelDescription([Image(3, 4, 4)], [Conv("conv", "x", 3, 2, new Window2d(5, 5))], ["conv"])).Message);
        Assert.Contains("Node 'conv' (Conv2d): has 6 input and 4 output channels in 4 groups",
            Assert.Throws<ArgumentException>(() => Conv("conv", "x", 6, 4, new Window2d(1, 1), groups: 4)).Message);
        Assert.Contains("Node 'conv' (Conv2d): weight has 5 values; expected [M = 2, C/G = 3, 1, 1] = 6",
            Assert.Throws<ArgumentException>(() => new Conv2dNode("conv", "x", 3, 2, new Window2d(1, 1), 1, Values(5, 1), [])).Message);
        Assert.Contains("Node 'pool' (MaxPool): pads",
            Assert.Throws<ArgumentException>(() => new PoolNode("pool", "x", PoolKind.Max, new Window2d(2, 2, padTop: 2))).Message);
        Assert.Contains("Node 'gap' (GlobalAveragePool): takes [N, C, H, W], got [N, 4]",
            Assert.Throws<ArgumentException>(() => new ModelDescription([new ModelInput("x", ShapeInfo.Features(4))], [new GlobalAveragePoolNode("gap", "x")], ["gap"])).Message);
        Assert.Contains("Node 'clip' (Clip): clips to [1, 0]",
            Assert.Throws<ArgumentException>(() => new ClipNode("clip", "x", 1f, 0f)).Message);
        Assert.Contains("kernel height",
            Assert.Throws<ArgumentOutOfRangeException>(() => new Window2d(0, 3)).Message);
    }
}
