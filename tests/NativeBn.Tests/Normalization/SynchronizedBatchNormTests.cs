using NativeBn.Normalization;

namespace NativeBn.Tests.Normalization;

/// <summary>
/// SyncBatchNorm semantics through an in-process exchange: a batch split across participants (unequal parts, one
/// without data) gives every participant the outputs, gradients and running statistics of one layer trained on the
/// concatenated batch; a participant that fails makes every participant throw and leaves every layer unchanged.
/// </summary>
public class SynchronizedBatchNormTests
{
    public static TheoryData<TensorLayout, int[]> Splits() => new()
    {
        { TensorLayout.NC, [5, 0, 11] },
        { TensorLayout.NC, [1, 1] },
        { TensorLayout.NCHW, [2, 3] },
        { TensorLayout.NHWC, [4, 1, 0, 2] },
    };

    [Theory]
    [MemberData(nameof(Splits))]
    public void ParticipantsMatchOneLayerOnTheConcatenatedBatch(TensorLayout layout, int[] parts)
    {
        const int channels = 6;
        int total = parts.Sum();
        TensorShape whole = Shape(layout, total, channels);
        int sampleSize = (int)(whole.ElementCount / total);
        var exchange = new ThreadedExchange(parts.Length);
        BatchNorm reference = LayerFactory.Create(channels, 3);
        BatchNorm[] layers = [.. Enumerable.Range(0, parts.Length).Select(r =>
            LayerFactory.Create(channels, 3, new BatchNormOptions { MaxThreads = 1, Synchronizer = exchange.For(r) }))];

        for (int step = 0; step < 3; step++)
        {
            float[] x = TestData.Channelwise(whole, 40 + step);
            float[] dy = TestData.Gaussian(x.Length, 50 + step);
            float[] y = new float[x.Length], dx = new float[x.Length];
            reference.Forward(x, whole, y, BatchNormMode.Training);
            reference.Backward(x, dy, whole, dx);

            var yParts = new float[parts.Length][];
            var dxParts = new float[parts.Length][];
            Exception?[] errors = exchange.Run(rank =>
            {
                int start = parts.Take(rank).Sum() * sampleSize, length = parts[rank] * sampleSize;
                yParts[rank] = new float[length];
                dxParts[rank] = new float[length];
                if (parts[rank] == 0)
                {
                    layers[rank].ForwardWithoutData(BatchNormMode.Training);
                    layers[rank].BackwardWithoutData();
                    return;
                }

                TensorShape shape = Shape(layout, parts[rank], channels);
                layers[rank].Forward(x.AsSpan(start, length), shape, yParts[rank], BatchNormMode.Training);
                layers[rank].Backward(x.AsSpan(start, length), dy.AsSpan(start, length), shape, dxParts[rank]);
            });

            Assert.All(errors, Assert.Null);
            for (int rank = 0; rank < parts.Length; rank++)
            {
                int start = parts.Take(rank).Sum() * sampleSize;
                string what = $"step {step}, participant {rank}";
                Assertions.Close(LayerFactory.ToDouble(y.AsSpan(start, yParts[rank].Length)), yParts[rank], 1e-6, $"{what} y");
                Assertions.Close(LayerFactory.ToDouble(dx.AsSpan(start, dxParts[rank].Length)), dxParts[rank], 1e-6, $"{what} dx");
                Assertions.Close(LayerFactory.ToDouble(reference.GammaGradient), layers[rank].GammaGradient, 1e-6, $"{what} dgamma");
                Assertions.Close(LayerFactory.ToDouble(reference.BetaGradient), layers[rank].BetaGradient, 1e-6, $"{what} dbeta");
                Assertions.Close(reference.RunningMean, layers[rank].RunningMean, 1e-12, $"{what} running mean");
                Assertions.Close(reference.RunningVariance, layers[rank].RunningVariance, 1e-12, $"{what} running variance");
                Assert.Equal(LayerSnapshot.Of(layers[0]), LayerSnapshot.Of(layers[rank]));
            }
        }
    }

    [Fact]
    public void AParticipantThatFailsMakesEveryParticipantThrowAndChangesNoLayer()
    {
        var exchange = new ThreadedExchange(3);
        BatchNorm[] layers = [.. Enumerable.Range(0, 3).Select(r =>
            LayerFactory.Create(4, 8, new BatchNormOptions { MaxThreads = 1, Synchronizer = exchange.For(r) }))];
        LayerSnapshot[] before = [.. layers.Select(LayerSnapshot.Of)];
        TensorShape shape = TensorShape.Features(3, 4);

        Exception?[] errors = exchange.Run(rank =>
            layers[rank].Forward(TestData.Gaussian(12, rank), shape, new float[rank == 1 ? 11 : 12], BatchNormMode.Training));

        var own = Assert.IsType<ArgumentException>(errors[1]);
        Assert.Equal("y", own.ParamName);
        foreach (int rank in new[] { 0, 2 })
        {
            var peer = Assert.IsType<BatchSynchronizationException>(errors[rank]);
            Assert.Equal([1], peer.FailedParticipants);
            Assert.Contains("participant(s) 1", peer.Message);
        }

        Assert.Equal(before, layers.Select(LayerSnapshot.Of));
    }

    [Fact]
    public void ABackwardThatFailsOnOneParticipantMakesEveryParticipantThrow()
    {
        var exchange = new ThreadedExchange(2);
        BatchNorm[] layers = [.. Enumerable.Range(0, 2).Select(r =>
            LayerFactory.Create(4, 8, new BatchNormOptions { MaxThreads = 1, Synchronizer = exchange.For(r) }))];
        TensorShape shape = TensorShape.Features(3, 4);
        float[] x = TestData.Gaussian(12, 1);

        Exception?[] errors = exchange.Run(rank =>
        {
            layers[rank].Forward(x, shape, new float[12], BatchNormMode.Training);
            layers[rank].Backward(x, new float[rank == 0 ? 12 : 10], shape, new float[12]);
        });

        Assert.Equal("outputGradient", Assert.IsType<ArgumentException>(errors[1]).ParamName);
        Assert.Equal([1], Assert.IsType<BatchSynchronizationException>(errors[0]).FailedParticipants);
    }

    [Fact]
    public void ABatchWithNoValuesAnywhereIsRejectedEverywhere()
    {
        var exchange = new ThreadedExchange(2);
        BatchNorm[] layers = [.. Enumerable.Range(0, 2).Select(r =>
            LayerFactory.Create(4, 8, new BatchNormOptions { MaxThreads = 1, Synchronizer = exchange.For(r) }))];

        Exception?[] errors = exchange.Run(rank => layers[rank].ForwardWithoutData(BatchNormMode.Training));

        Assert.All(errors, e => Assert.Contains("no values on any participant", Assert.IsType<ArgumentException>(e).Message));
    }

    [Fact]
    public void OneValueInTheWholeSynchronizedBatchFollowsTheSingleValuePolicy()
    {
        var exchange = new ThreadedExchange(2);
        BatchNorm[] layers = [.. Enumerable.Range(0, 2).Select(r =>
            LayerFactory.Create(4, 8, new BatchNormOptions { MaxThreads = 1, Synchronizer = exchange.For(r) }))];

        Exception?[] errors = exchange.Run(rank =>
        {
            if (rank == 0)
            {
                layers[0].Forward(new float[4], TensorShape.Features(1, 4), new float[4], BatchNormMode.Training);
            }
            else
            {
                layers[1].ForwardWithoutData(BatchNormMode.Training);
            }
        });

        Assert.All(errors, e => Assert.Contains("one value per channel", Assert.IsType<ArgumentException>(e).Message));
    }

    [Fact]
    public void EvaluationModeNeedsNoExchange()
    {
        var exchange = new ThreadedExchange(2);
        BatchNorm layer = LayerFactory.Create(4, 8, new BatchNormOptions { MaxThreads = 1, Synchronizer = exchange.For(0) });
        BatchNorm local = LayerFactory.Create(4, 8);
        float[] x = TestData.Gaussian(12, 2);
        float[] expected = new float[12], actual = new float[12];

        local.Forward(x, TensorShape.Features(3, 4), expected, BatchNormMode.Evaluation);
        layer.Forward(x, TensorShape.Features(3, 4), actual, BatchNormMode.Evaluation);

        Assert.Equal(expected, actual);
    }

    [Fact]
    public void WithoutASynchronizerTheDataFreeCallsAreRejected()
    {
        BatchNorm layer = LayerFactory.Create(4, 8);

        Assert.Contains("Synchronizer", Assert.Throws<InvalidOperationException>(() => layer.ForwardWithoutData(BatchNormMode.Training)).Message);
        Assert.Throws<InvalidOperationException>(layer.BackwardWithoutData);
    }

    private static TensorShape Shape(TensorLayout layout, int batch, int channels) => layout switch
    {
        TensorLayout.NC => TensorShape.Features(batch, channels),
        TensorLayout.NCHW => TensorShape.ChannelsFirst(batch, channels, 2, 3),
        _ => TensorShape.ChannelsLast(batch, 3, 2, channels),
    };
}
