using System.Runtime.InteropServices;
using System.Security.Cryptography;
using NativeBn.Model;
using NativeBn.Network;
using NativeBn.Serialization;

namespace NativeBn.Service.Tests;

/// <summary>Models saved by the tests and their outputs from a plan built directly (the oracle of the service's responses).</summary>
internal static class TestModels
{
    public const int MlpInputs = 8;

    public static ModelDescription Mlp(int seed, int outputs = 4) =>
        new SequentialBuilder(MlpInputs, seed).Dense(16).BatchNorm().Relu().Dense(outputs).Describe();

    /// <summary>A small CNN: [1, 6, 6] images, one convolution with BatchNorm, 3 outputs.</summary>
    public static ModelDescription Cnn(int seed) =>
        new SequentialBuilder(1, 6, 6, seed).Conv2d(4, 3).BatchNorm().Relu().Flatten().Dense(3).Describe();

    /// <summary>Saves the model (atomically) and returns the SHA-256 of the file, 64 lowercase hex digits.</summary>
    public static string Save(ModelDescription model, string path)
    {
        ModelFile.Save(model, path);
        return Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));
    }

    public static float[][] Samples(int count, int width, int seed = 12345)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => Enumerable.Range(0, width).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray())];
    }

    public static float[] Expected(ModelDescription model, float[] sample)
    {
        InferencePlan plan = InferencePlan.Build(model, InferenceRegime.Running);
        var output = new float[plan.OutputWidth];
        plan.Predict(sample, output);
        return output;
    }

    public static bool BitwiseEqual(ReadOnlySpan<float> a, ReadOnlySpan<float> b) =>
        MemoryMarshal.AsBytes(a).SequenceEqual(MemoryMarshal.AsBytes(b));
}
