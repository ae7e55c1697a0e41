using System.Security.Cryptography;
using NativeBn.Model;
using NativeBn.Network;
using NativeBn.Serialization;

namespace NativeBn.Hosting.Tests;

/// <summary>Small models that differ by their random weights, and the outputs a plan built directly gives them.</summary>
internal static class TestModels
{
    public const int Inputs = 8;
    public const int Outputs = 4;

    public static ModelDescription Mlp(int seed, int outputs = Outputs) =>
        new SequentialBuilder(Inputs, seed).Dense(16).BatchNorm().Relu().Dense(outputs).Describe();

    /// <summary>Saves the model (atomically) and returns the SHA-256 of the file's bytes as 64 lowercase hex digits.</summary>
    public static string Save(ModelDescription model, string path)
    {
        ModelFile.Save(model, path);
        return HashOf(path);
    }

    public static string HashOf(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));

    /// <summary><paramref name="count"/> samples of <see cref="Inputs"/> features in [-2, 2), from a fixed seed.</summary>
    public static float[][] Samples(int count)
    {
        var random = new Random(12345);
        return [.. Enumerable.Range(0, count).Select(_ => Enumerable.Range(0, Inputs).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray())];
    }

    /// <summary>The sequential outputs of <paramref name="model"/> for each sample, from a plan built here.</summary>
    public static float[][] Expected(ModelDescription model, float[][] samples)
    {
        InferencePlan plan = InferencePlan.Build(model, InferenceRegime.Running);
        return [.. samples.Select(s =>
        {
            var output = new float[plan.OutputWidth];
            plan.Predict(s, output);
            return output;
        })];
    }

    public static bool BitwiseEqual(ReadOnlySpan<float> a, ReadOnlySpan<float> b) =>
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(a).SequenceEqual(System.Runtime.InteropServices.MemoryMarshal.AsBytes(b));
}
