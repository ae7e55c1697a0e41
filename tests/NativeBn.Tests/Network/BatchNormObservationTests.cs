using NativeBn.Data;
using NativeBn.Model;
using NativeBn.Model.Nodes;
using NativeBn.Network;
using NativeBn.Normalization;

namespace NativeBn.Tests.Network;

/// <summary>
/// The BatchNorm layers a plan lists and the inputs it hands an observer, against a plan of the graph upstream of each
/// layer (what <see cref="PopulationRecalibration"/> computes a layer's input with).
/// </summary>
public sealed class BatchNormObservationTests
{
    public static TheoryData<string, InferenceRegime> Models => new()
    {
        { "mlp", InferenceRegime.Running },
        { "mlp", InferenceRegime.Population },
        { "cnn", InferenceRegime.Running },
        { "cnn", InferenceRegime.Population },
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void ObservedInputsAreTheUpstreamOutputsAndTheOutputIsUnchanged(string kind, InferenceRegime regime)
    {
        ModelDescription model = Calibrated(kind);
        InferencePlan plan = InferencePlan.Build(model, regime);
        BatchNormNode[] nodes = [.. model.BatchNorms];
        Assert.Equal(nodes.Select(n => n.Name), plan.BatchNorms.Select(b => b.Name));
        var upstream = nodes.Select(n => InferencePlan.Build(model.Upstream(n.Inputs[0]), regime)).ToArray();
        var observer = new Recorder(plan.BatchNorms.Count);
        var plain = new float[plan.OutputWidth];
        var observed = new float[plan.OutputWidth];
        for (int i = 0; i < 5; i++)
        {
            float[] sample = TestData.Gaussian(plan.InputWidth, 100 + i, mean: 0.3, std: 1.2);
            plan.Predict(sample, plain);
            plan.Predict(sample, observed, 1, observer);
            Assertions.BitwiseEqual(plain, observed, $"output of sample {i}");
            for (int k = 0; k < nodes.Length; k++)
            {
                var expected = new float[upstream[k].OutputWidth];
                upstream[k].Predict(sample, expected);
                Assertions.BitwiseEqual(expected, observer.Inputs[k], $"input of BatchNorm '{nodes[k].Name}', sample {i}");
            }
        }

        Assert.All(observer.Calls, count => Assert.Equal(5, count));
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void TheListedLayersCarryTheStatisticsTheRegimeNormalizesWith(string kind, InferenceRegime regime)
    {
        ModelDescription model = Calibrated(kind);
        InferencePlan plan = InferencePlan.Build(model, regime);
        BatchNormNode[] nodes = [.. model.BatchNorms];
        Assert.Equal(nodes.Length, plan.BatchNorms.Count);
        for (int k = 0; k < nodes.Length; k++)
        {
            PlannedBatchNorm planned = plan.BatchNorms[k];
            BatchNormNode node = nodes[k];
            ShapeInfo input = model.ShapeOf(node.Inputs[0]);
            Assert.Equal(node.Channels, planned.Channels);
            Assert.Equal(input.ValuesPerSample / node.Channels, planned.ValuesPerChannel);
            Assert.Equal(input.Rank == 4 ? input[2] * input[3] : 1, planned.ValuesPerChannel);
            Assert.Equal(node.Options.Conventions.Epsilon, planned.Epsilon);
            bool population = regime == InferenceRegime.Population;
            Assert.Equal(population ? NormalizationStatistics.Population : NormalizationStatistics.Running, planned.Statistics);
            Assert.Equal(population ? node.Population!.Mean : node.RunningMean, planned.Mean);
            Assert.Equal(population ? node.Population!.Variance : node.RunningVariance, planned.Variance);
        }
    }

    [Fact]
    public void AFoldedPlanHasNoBatchNormInputToObserveExceptLayersThatCouldNotBeFolded()
    {
        InferencePlan folded = InferencePlan.Build(Calibrated("mlp"), InferenceRegime.Folded);
        Assert.Empty(folded.BatchNorms);
        var observer = new Recorder(0);
        var output = new float[folded.OutputWidth];
        folded.Predict(TestData.Gaussian(folded.InputWidth, 7), output, 1, observer);
        Assert.Empty(observer.Calls);

        // A BatchNorm over the raw input follows no layer it could be folded into: it stays, with its input the sample.
        ModelDescription first = new SequentialBuilder(6, 4).BatchNorm().Dense(3).Describe();
        InferencePlan plan = InferencePlan.Build(first, InferenceRegime.Folded);
        PlannedBatchNorm layer = Assert.Single(plan.BatchNorms);
        Assert.Equal(first.Nodes[0].Name, layer.Name);
        observer = new Recorder(1);
        float[] sample = TestData.Gaussian(6, 8);
        plan.Predict(sample, new float[3], 1, observer);
        Assertions.BitwiseEqual(sample, observer.Inputs[0], "the sample as the first layer's input");
    }

    [Fact]
    public void ObservingAllocatesNothingAfterTheFirstCall()
    {
        InferencePlan plan = InferencePlan.Build(Calibrated("cnn"), InferenceRegime.Population);
        var observer = new Summer();
        float[] sample = TestData.Gaussian(plan.InputWidth, 9);
        var output = new float[plan.OutputWidth];
        long bytes = AllocationMeter.Measure(() =>
        {
            for (int i = 0; i < 20; i++)
            {
                plan.Predict(sample, output, 1, observer);
            }
        });
        Assert.Equal(0, bytes);
        Assert.True(observer.Sum != 0);
        Assert.Throws<ArgumentNullException>(() => plan.Predict(sample, output, 1, null!));
    }

    /// <summary>
    /// A model with two BatchNorm layers and population statistics over Gaussian data: an MLP over features, or a CNN
    /// whose layers see <c>[N, C, H, W]</c> planes.
    /// </summary>
    private static ModelDescription Calibrated(string kind)
    {
        SequentialBuilder builder = kind == "mlp"
            ? new SequentialBuilder(7, 11).Dense(6).BatchNorm().Relu().Dense(5).BatchNorm().Dense(3)
            : new SequentialBuilder(2, 6, 5, 11).Conv2d(4, 3).BatchNorm().Relu().Pool(2).Conv2d(3, 1).BatchNorm().Relu().GlobalAveragePool().Flatten().Dense(3);
        ModelDescription model = builder.Describe();
        int width = (int)model.Input.Shape.ValuesPerSample;
        return PopulationRecalibration.Run(model, Dataset.Unlabeled(TestData.Gaussian(width * 64, 5, mean: 0.5, std: 2), width));
    }

    private sealed class Recorder(int layers) : IBatchNormInputObserver
    {
        public float[][] Inputs { get; } = new float[layers][];

        public int[] Calls { get; } = new int[layers];

        public void Observe(int layer, ReadOnlySpan<float> input)
        {
            Inputs[layer] = input.ToArray();
            Calls[layer]++;
        }
    }

    private sealed class Summer : IBatchNormInputObserver
    {
        public double Sum { get; private set; }

        public void Observe(int layer, ReadOnlySpan<float> input)
        {
            foreach (float value in input)
            {
                Sum += value;
            }
        }
    }
}
