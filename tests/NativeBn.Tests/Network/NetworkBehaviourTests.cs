using NativeBn.Model;
using NativeBn.Model.Nodes;
using NativeBn.Network;
using NativeBn.Normalization;

namespace NativeBn.Tests.Network;

public class NetworkBehaviourTests
{
    [Fact]
    public void TrainingStepAndSinglePredictionAllocateNothingInSteadyState()
    {
        Sequential model = ModelFactory.Small(maxBatch: 32, dropout: 0.2);
        var (x, labels) = ModelFactory.Batch(32, 5, 3, seed: 1);
        var optimizer = new Adam();
        var probabilities = new float[3];
        long training = AllocationMeter.Measure(() =>
        {
            for (int i = 0; i < 20; i++)
            {
                model.TrainStep(x, labels, optimizer);
            }
        });
        model.Predict(x.AsSpan(0, 5), probabilities, InferenceRegime.Running);
        long prediction = AllocationMeter.Measure(() =>
        {
            for (int i = 0; i < 100; i++)
            {
                model.Predict(x.AsSpan(i % 32 * 5, 5), probabilities, InferenceRegime.Running);
            }
        });

        Assert.Equal((0L, 0L), (training, prediction));
    }

    [Fact]
    public void ConcurrentPredictionsEqualSequentialOnes()
    {
        Sequential model = ModelFactory.Small(maxBatch: 32);
        var (x, labels) = ModelFactory.Batch(32, 5, 3, seed: 2);
        for (int i = 0; i < 10; i++)
        {
            model.TrainStep(x, labels, new SgdMomentum(0.05));
        }

        var (samples, _) = ModelFactory.Batch(400, 5, 3, seed: 3);
        foreach (InferenceRegime regime in new[] { InferenceRegime.Running, InferenceRegime.Folded })
        {
            var sequential = new float[400 * 3];
            for (int i = 0; i < 400; i++)
            {
                model.Predict(samples.AsSpan(i * 5, 5), sequential.AsSpan(i * 3, 3), regime);
            }

            var results = new float[8][];
            Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, t =>
            {
                var mine = new float[400 * 3];
                for (int i = 0; i < 400; i++)
                {
                    int k = (i + t * 50) % 400;
                    model.Predict(samples.AsSpan(k * 5, 5), mine.AsSpan(k * 3, 3), regime);
                }

                results[t] = mine;
            });

            foreach (float[] result in results)
            {
                Assertions.BitwiseEqual(sequential, result, $"{regime} predictions");
            }
        }
    }

    [Fact]
    public void TrainingIsDeterministicForASeed()
    {
        float[] Train(int seed)
        {
            Sequential model = ModelFactory.Small(seed, 16, 0.3);
            var data = new NativeBn.Data.Dataset(ModelFactory.Batch(100, 5, 3, 4).X, ModelFactory.Batch(100, 5, 3, 4).Labels, 5, 3);
            var trainer = new Trainer(model, new Adam(0.01), 16, seed);
            trainer.Epoch(data, 0);
            trainer.Epoch(data, 1);
            return [.. model.Layers.SelectMany(l => l.Parameters).SelectMany(p => p.Values().ToArray()),
                .. ((BatchNormLayer)model.Layers[2]).BatchNorm.RunningVariance.ToArray().Select(v => (float)v)];
        }

        Assertions.BitwiseEqual(Train(7), Train(7), "parameters after training twice with seed 7");
        Assert.NotEqual(Train(7), Train(8));
    }

    [Fact]
    public void FoldedPlanAndFoldedModelPredictLikeTheUnfoldedModel()
    {
        Sequential model = ModelFactory.Small(maxBatch: 32, dropout: 0.1);
        var (x, labels) = ModelFactory.Batch(32, 5, 3, seed: 5);
        for (int i = 0; i < 20; i++)
        {
            model.TrainStep(x, labels, new Adam(0.01));
        }

        ModelDescription folded = ModelFolding.Fold(model.ToDescription());
        Assert.DoesNotContain(folded.Nodes, n => n is BatchNormNode or DropoutNode);
        InferencePlan foldedPlan = InferencePlan.Build(folded, InferenceRegime.Running);
        var expected = new float[3];
        var plan = new float[3];
        var foldedModel = new float[3];
        for (int i = 0; i < 32; i++)
        {
            model.Predict(x.AsSpan(i * 5, 5), expected, InferenceRegime.Running);
            model.Predict(x.AsSpan(i * 5, 5), plan, InferenceRegime.Folded);
            foldedPlan.Predict(x.AsSpan(i * 5, 5), foldedModel);
            Assertions.Close([.. expected.Select(v => (double)v)], plan, 1e-5, "folded plan");
            Assertions.Close([.. expected.Select(v => (double)v)], foldedModel, 1e-5, "folded model");
        }
    }

    [Fact]
    public void BadBatchesAreRejectedWithClearMessages()
    {
        Sequential model = ModelFactory.Small(maxBatch: 4);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => model.TrainStep(new float[25], new int[5], new Adam()));
        Assert.Contains("1 to 4", error.Message);
        Assert.Equal("x", Assert.Throws<ArgumentException>(() => model.TrainStep(new float[9], new int[2], new Adam())).ParamName);
        Assert.Equal("labels", Assert.Throws<ArgumentOutOfRangeException>(() => model.TrainStep(new float[10], [0, 3], new Adam())).ParamName);
        Assert.Equal("sample", Assert.Throws<ArgumentException>(() => model.Predict(new float[4], new float[3])).ParamName);
        Assert.Throws<InvalidOperationException>(() => model.Predict(new float[5], new float[3], InferenceRegime.Population));
    }

    [Fact]
    public void PopulationRecalibrationEqualsStatisticsOfTheLayerInputs()
    {
        Sequential model = ModelFactory.Small(maxBatch: 8, dropout: 0.5, options: new BatchNormOptions { MaxThreads = 1 }, seed: 3);
        var (x, labels) = ModelFactory.Batch(30, 5, 3, seed: 6);
        var data = new NativeBn.Data.Dataset(x, labels, 5, 3);
        PopulationRecalibration.Run(model, data);

        var dense = (DenseLayer)model.Layers[0];
        BatchNorm batchNorm = ((BatchNormLayer)model.Layers[2]).BatchNorm;
        for (int o = 0; o < 4; o++)
        {
            double[] inputs = [.. Enumerable.Range(0, 30).Select(s => dense.Bias[o] + Enumerable.Range(0, 5).Sum(i => (double)dense.Weight[o * 5 + i] * x[s * 5 + i]))];
            double mean = inputs.Average();
            Assertions.Close(mean, batchNorm.PopulationMean[o], 1e-5, "population mean", o);
            Assertions.Close(inputs.Average(v => (v - mean) * (v - mean)), batchNorm.PopulationVariance[o], 1e-5, "population variance", o);
        }

        Assert.Equal(30, batchNorm.PopulationCount);
    }

    [Fact]
    public void SizesThatOverflowOrExceedMemoryAreRefusedBeforeAnyAllocation()
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<InsufficientMemoryException>(() => new SequentialBuilder(65536, 1).Dense(65537));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20, "nothing large was allocated");
        Assert.Contains("Training a dense layer of 65536 inputs and 65537 outputs", error.Message);
        Assert.Contains("a model may take at most", error.Message);

        var wrongCount = Assert.Throws<ArgumentException>(() => new DenseNode("d", "x", 65536, 65537, new float[1], new float[65537]));
        Assert.Contains("expected [outputs = 65537, inputs = 65536] = 4295032832", wrongCount.Message);

        ModelDescription wide = new SequentialBuilder(4, 1).Dense(3).Softmax().Describe();
        var tooLarge = Assert.Throws<InsufficientMemoryException>(() => new Sequential(wide, maxBatch: int.MaxValue / 2));
        Assert.Contains("Training this model with batches of", tooLarge.Message);

        var image = new ModelInput("x", new ShapeInfo([Dimension.Batch, Dimension.Of(1), Dimension.Of(4000), Dimension.Of(4000)]));
        var same = new Window2d(3, 3, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1);
        ModelDescription huge = new([image],
            [new Conv2dNode("conv", "x", 1, 64, same, 1, new float[64 * 9], []), new GlobalAveragePoolNode("g", "conv"), new FlattenNode("f", "g")], ["f"]);
        before = GC.GetAllocatedBytesForCurrentThread();
        var convolution = Assert.Throws<InsufficientMemoryException>(() => new Sequential(huge, maxBatch: 1));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20, "nothing large was allocated");
        Assert.Contains("Training this model with batches of 1 needs", convolution.Message);
    }
}
