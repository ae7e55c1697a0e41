using System.Runtime.CompilerServices;
using NativeBn.Model;
using NativeBn.Model.Nodes;
using NativeBn.Network;
using NativeBn.Normalization;

namespace NativeBn.Fuzz;

/// <summary>Small models whose nodes cover every kind and option the readers accept, and the committed version-1 files.</summary>
internal static class SeedModels
{
    /// <summary>A chain (Dense, BatchNorm with population statistics and renormalization, ReLU, Dropout, Softmax) and a graph (4-D BatchNorm, Flatten, Identity, Add).</summary>
    public static IReadOnlyList<ModelDescription> All { get; } = [Chain(), Graph(), Keras()];

    /// <summary>The bytes of the native model files written by format version 1.</summary>
    public static IEnumerable<byte[]> VersionOneFiles()
    {
        string folder = Path.Combine(Folder(), "..", "NativeBn.Tests", "Serialization", "Fixtures", "v1");
        return Directory.GetFiles(folder, "*.nbm").OrderBy(f => f, StringComparer.Ordinal).Select(File.ReadAllBytes);
    }

    private static string Folder([CallerFilePath] string source = "") => Path.GetDirectoryName(source)!;

    private static ModelDescription Chain()
    {
        var options = new BatchNormOptions
        {
            Conventions = BatchNormConventions.PyTorch,
            Renormalization = BatchRenormalization.Schedule(3, 5, 10, 40, 25),
            NonFinite = NonFinitePolicy.SkipUpdate,
        };
        ModelDescription built = new SequentialBuilder(5, seed: 1).Dense(4).BatchNorm(options).Relu().Dropout(0.25).Dense(3).Softmax().Describe();
        return built.WithNodes(n => n is BatchNormNode bn
            ? bn.WithPopulation(new PopulationMoments([0.1, 0.2, 0.3, 0.4], [1.0, 2.0, 0.5, 0.25], 100))
            : n);
    }

    private static ModelDescription Keras() =>
        new SequentialBuilder(3, seed: 2).Dense(4).BatchNorm(BatchNormOptions.For(BatchNormConventions.Keras)).Relu().Dense(2).Describe();

    private static ModelDescription Graph()
    {
        var input = new ModelInput("x", new ShapeInfo([Dimension.Batch, Dimension.Of(2), Dimension.Of(3), Dimension.Of(2)]));
        ModelNode[] nodes =
        [
            new BatchNormNode("bn", "x", BatchNormOptions.For(BatchNormConventions.Onnx), [1f, 0.5f], [0f, 0.25f], [0.5, -0.5], [2.0, 0.5], 3),
            new ReluNode("relu", "bn"),
            new FlattenNode("flat", "relu"),
            new DenseNode("a", "flat", 12, 4, [.. Enumerable.Range(0, 48).Select(i => (i % 7 - 3) / 8f)], [0.1f, 0.2f, 0.3f, 0.4f]),
            new DenseNode("b", "flat", 12, 4, [.. Enumerable.Range(0, 48).Select(i => (i % 5 - 2) / 4f)], new float[4]),
            new AddNode("sum", "a", "b"),
            new IdentityNode("out", "sum"),
        ];
        return new ModelDescription([input], nodes, ["out"]);
    }
}
