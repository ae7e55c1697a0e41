using NativeBn.Model;
using NativeBn.Model.Nodes;
using NativeBn.Network;
using NativeBn.Normalization;
using NativeBn.Tests.Reference;

namespace NativeBn.Tests.Network;

/// <summary>
/// Training steps of convolutional graphs: every parameter gradient (convolutions of every geometry, BatchNorm over
/// [N, C, H, W], dense) against central finite differences of the softmax cross-entropy of a batch evaluated in double
/// from the operators' definitions (<see cref="ReferenceGraph.EvaluateBatch"/>). A gradient reaches a parameter only
/// through the backward pass of every layer after it, so each case also checks the input gradients of max and average
/// pooling, global average pooling, Clip, ReLU, Add (a residual branch) and the convolutions themselves.
/// </summary>
public class ConvolutionalGradientTests
{
    private static ModelInput Image(int channels, int height, int width) =>
        new("x", new ShapeInfo([Dimension.Batch, Dimension.Of(channels), Dimension.Of(height), Dimension.Of(width)]));

    private static float[] Values(int count, int seed, float scale = 0.5f) => TestData.Uniform(count, seed, -scale, scale);

    private static Conv2dNode Conv(string name, string input, int inputs, int outputs, Window2d window, int groups = 1, bool bias = true, int seed = 1) =>
        new(name, input, inputs, outputs, window, groups,
            Values(outputs * (inputs / groups) * window.KernelHeight * window.KernelWidth, seed, 0.6f), bias ? Values(outputs, seed + 1) : []);

    private static BatchNormNode Norm(string name, string input, int channels, int seed) =>
        new(name, input, new BatchNormOptions { MaxThreads = 1 }, TestData.Uniform(channels, seed, 0.5f, 1.5f), Values(channels, seed + 1),
            new double[channels], [.. Enumerable.Repeat(1.0, channels)], 0);

    private static DenseNode Dense(string name, string input, int inputs, int outputs, int seed) =>
        new(name, input, inputs, outputs, Values(inputs * outputs, seed), Values(outputs, seed + 1));

    private static Window2d Same3x3 => new(3, 3, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1);

    public static TheoryData<string> Models() => ["plain", "residual", "strided", "depthwise", "wide strided", "large image"];

    internal static ModelDescription Build(string name) => name switch
    {
        // conv 3x3 → BN → ReLU → max-pool 2x2 (ceil) → conv 3x3 stride 2, asymmetric pads → BN → Clip → GAP → dense
        "plain" => new ModelDescription([Image(2, 7, 6)],
        [
            Conv("c1", "x", 2, 4, Same3x3, seed: 1), Norm("b1", "c1", 4, 3), new ReluNode("r1", "b1"),
            new PoolNode("p1", "r1", PoolKind.Max, new Window2d(2, 2, 2, 2), ceilMode: true),
            Conv("c2", "p1", 4, 5, new Window2d(3, 3, 2, 2, padTop: 1, padLeft: 0, padBottom: 0, padRight: 1), seed: 5), Norm("b2", "c2", 5, 7),
            new ClipNode("k2", "b2", -0.4f, 0.9f), new GlobalAveragePoolNode("g", "k2"), new FlattenNode("f", "g"), Dense("d", "f", 5, 3, 9),
        ], ["d"]),

        // a residual block: relu(BN(conv)) + BN(grouped conv(...)) → ReLU → average pool 3x3 s2 (padding, ceil) → dense
        "residual" => new ModelDescription([Image(2, 6, 5)],
        [
            Conv("c1", "x", 2, 4, Same3x3, seed: 11), Norm("b1", "c1", 4, 13), new ReluNode("r1", "b1"),
            Conv("c2", "r1", 4, 4, Same3x3, groups: 2, bias: false, seed: 15), Norm("b2", "c2", 4, 17),
            new AddNode("a", "r1", "b2"), new ReluNode("r2", "a"),
            new PoolNode("p", "r2", PoolKind.Average, new Window2d(3, 3, 2, 2, 1, 1, 1, 1), ceilMode: true),
            new FlattenNode("f", "p"), Dense("d", "f", 4 * 4 * 3, 3, 19),
        ], ["d"]),

        // dilated convolution without bias → average pool counting padding → 1x1 stride 2 → dense
        "strided" => new ModelDescription([Image(3, 9, 8)],
        [
            Conv("c1", "x", 3, 4, new Window2d(3, 3, padTop: 2, padLeft: 1, padBottom: 2, padRight: 1, dilationHeight: 2, dilationWidth: 2), bias: false, seed: 21),
            new PoolNode("p", "c1", PoolKind.Average, new Window2d(2, 2, 1, 1, 1, 1, 0, 0), countIncludePad: true),
            Conv("c2", "p", 4, 6, new Window2d(1, 1, 2, 2), seed: 23), new ReluNode("r", "c2"),
            new FlattenNode("f", "r"), Dense("d", "f", 6 * 5 * 3, 3, 25),
        ], ["d"]),

        // depthwise 3x3 stride 2 → BN → ReLU6 → pointwise → GAP → dense (MobileNet's block)
        "depthwise" => new ModelDescription([Image(3, 8, 7)],
        [
            Conv("c0", "x", 3, 6, new Window2d(1, 1), seed: 31),
            Conv("dw", "c0", 6, 6, new Window2d(3, 3, 2, 2, 1, 1, 1, 1), groups: 6, bias: false, seed: 33), Norm("b", "dw", 6, 35),
            new ClipNode("r6", "b", 0f, 6f), Conv("pw", "r6", 6, 4, new Window2d(1, 1), seed: 37),
            new GlobalAveragePoolNode("g", "pw"), new FlattenNode("f", "g"), Dense("d", "f", 4, 3, 39),
        ], ["d"]),
        // rows wide enough that the stride-2 phase split runs in vectors: conv 3x3 stride 2 → ReLU → 1x1 stride 2 → GAP → dense
        "wide strided" => new ModelDescription([Image(2, 3, 37)],
        [
            Conv("c1", "x", 2, 3, new Window2d(3, 3, 2, 2, 1, 1, 1, 1), seed: 41), new ReluNode("r", "c1"),
            Conv("c2", "r", 3, 4, new Window2d(1, 1, 2, 2), seed: 43),
            new GlobalAveragePoolNode("g", "c2"), new FlattenNode("f", "g"), Dense("d", "f", 4, 3, 45),
        ], ["d"]),

        // samples large enough that a backward pass works through a batch in several blocks of samples (three per block):
        // conv 3x3 → ReLU → max-pool → GAP → dense
        "large image" => new ModelDescription([Image(1, 100, 100)],
        [
            Conv("c1", "x", 1, 32, Same3x3, seed: 51), new ReluNode("r", "c1"), new PoolNode("p", "r", PoolKind.Max, new Window2d(2, 2, 2, 2)),
            new GlobalAveragePoolNode("g", "p"), new FlattenNode("f", "g"), Dense("d", "f", 32, 3, 53),
        ], ["d"]),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    /// <summary>The models, and which of every parameter's values a case checks (every value, or every n-th of the large image's).</summary>
    public static TheoryData<string, int> GradientCases() => new()
    {
        { "plain", 1 }, { "residual", 1 }, { "strided", 1 }, { "depthwise", 1 }, { "wide strided", 1 }, { "large image", 7 },
    };

    [Theory]
    [MemberData(nameof(GradientCases))]
    public void ParameterGradientsMatchFiniteDifferences(string name, int every)
    {
        ModelDescription description = Build(name);
        var model = new Sequential(description, maxBatch: 8);
        const int Batch = 5;
        float[] x = TestData.Gaussian(Batch * model.InputWidth, 41, mean: 0.2, std: 1.0);
        int[] labels = [0, 2, 1, 1, 0];
        float[][] samples = [.. Enumerable.Range(0, Batch).Select(n => x.AsSpan(n * model.InputWidth, model.InputWidth).ToArray())];
        var parameters = model.Parameters.ToDictionary(p => p.Name, p => p.Values().ToArray().Select(v => (double)v).ToArray());
        var recorder = new RecordingOptimizer();

        float loss = model.TrainStep(x, labels, recorder);

        Assertions.Close(Loss(description, samples, labels, parameters), loss, 1e-5, "loss");
        Assert.Equal(description.Nodes.Count(n => n is Conv2dNode or DenseNode) * 2 + description.BatchNorms.Count() * 2
            - description.Nodes.Count(n => n is Conv2dNode { HasBias: false }), recorder.Gradients.Count);
        foreach ((string parameter, double[] values) in parameters)
        {
            int[] checkedValues = [.. Enumerable.Range(0, values.Length).Where(i => i % every == 0)];
            double[] numeric = FiniteDifferences.Gradient(values, () => Loss(description, samples, labels, parameters), checkedValues);
            Assertions.Close(numeric, checkedValues.Select(i => recorder.Gradients[parameter][i]).ToArray(), 2e-4, $"{name}: d(loss)/d({parameter})");
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void TrainingStepsAllocateNothing(string name)
    {
        var model = new Sequential(Build(name), maxBatch: 8);
        float[] x = TestData.Gaussian(8 * model.InputWidth, 43);
        int[] labels = [0, 1, 2, 0, 1, 2, 0, 1];
        var optimizer = new Adam(1e-3);
        long allocated = AllocationMeter.Measure(() =>
        {
            for (int i = 0; i < 3; i++)
            {
                model.TrainStep(x, labels, optimizer);
            }
        });

        Assert.Equal(0, allocated);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void TrainingGivesTheSameBitsOnAnyNumberOfThreads(string name)
    {
        float[][] trained = [.. new[] { 1, 2, 3 }.Select(threads => Train(name, threads))];
        Assert.Equal(trained[0], trained[1]);
        Assert.Equal(trained[0], trained[2]);

        static float[] Train(string name, int threads)
        {
            var model = new Sequential(Build(name), maxBatch: 8, runOptions: new BatchNormOptions { MaxThreads = threads });
            float[] x = TestData.Gaussian(7 * model.InputWidth, 49);
            int[] labels = [0, 1, 2, 0, 1, 2, 0];
            var optimizer = new Adam(1e-2);
            for (int i = 0; i < 3; i++)
            {
                model.TrainStep(x, labels, optimizer);
            }

            return [.. model.Parameters.SelectMany(p => p.Values().ToArray())];
        }
    }

    [Fact]
    public void TrainingReducesTheLossAndRoundTripsTheDescription()
    {
        ModelDescription description = Build("residual");
        var model = new Sequential(description, maxBatch: 16);
        float[] x = TestData.Gaussian(16 * model.InputWidth, 47);
        int[] labels = [.. Enumerable.Range(0, 16).Select(i => i % 3)];
        var optimizer = new Adam(1e-2);
        float first = model.TrainStep(x, labels, optimizer), last = first;
        for (int i = 0; i < 60; i++)
        {
            last = model.TrainStep(x, labels, optimizer);
        }

        Assert.True(last < 0.5f * first, $"loss went from {first} to {last}");
        ModelDescription trained = model.ToDescription();
        var again = new Sequential(trained, maxBatch: 16);
        var expected = new float[3];
        var actual = new float[3];
        for (int n = 0; n < 4; n++)
        {
            ReadOnlySpan<float> sample = x.AsSpan(n * model.InputWidth, model.InputWidth);
            model.Predict(sample, expected);
            again.Predict(sample, actual);
            Assert.Equal(expected, actual);
            double[] reference = ReferenceGraph.Evaluate(trained, sample);
            Assertions.Close(reference, actual, 1e-5, $"trained sample {n}");
        }
    }

    /// <summary>Mean softmax cross-entropy of the batch's logits, in double.</summary>
    private static double Loss(ModelDescription model, float[][] samples, int[] labels, Dictionary<string, double[]> parameters)
    {
        double[][] logits = ReferenceGraph.EvaluateBatch(model, samples, parameters);
        double loss = 0;
        for (int n = 0; n < samples.Length; n++)
        {
            double max = logits[n].Max();
            loss += Math.Log(logits[n].Sum(l => Math.Exp(l - max))) + max - logits[n][labels[n]];
        }

        return loss / samples.Length;
    }
}
