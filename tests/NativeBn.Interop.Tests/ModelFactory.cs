using NativeBn.Data;
using NativeBn.Network;
using NativeBn.Normalization;

namespace NativeBn.Interop.Tests;

/// <summary>Small trained models for interop tests.</summary>
internal static class ModelFactory
{
    public static Sequential Trained(BatchNormConventions conventions, double dropout = 0, int seed = 3)
    {
        var builder = new SequentialBuilder(6, seed).Dense(5);
        if (dropout > 0)
        {
            builder.Dropout(dropout);
        }

        Sequential model = builder.BatchNorm(new BatchNormOptions { Conventions = conventions }).Relu().Dense(4, Initialization.Xavier).Build(16);
        var random = new Random(seed);
        float[] x = [.. Enumerable.Range(0, 16 * 6).Select(_ => random.NextSingle() * 4 - 2)];
        int[] labels = [.. Enumerable.Range(0, 16).Select(i => i % 4)];
        for (int step = 0; step < 10; step++)
        {
            model.TrainStep(x, labels, new Adam(0.01));
        }

        PopulationRecalibration.Run(model, new Dataset(x, labels, 6, 4));
        return model;
    }

    public static float[] Samples(int count, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count * 6).Select(_ => random.NextSingle() * 4 - 2)];
    }
}
