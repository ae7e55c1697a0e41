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

    /// <summary>
    /// A CNN with every weighted node a <c>state_dict</c> holds: Conv2d with a bias, BatchNorm over <c>[N, C, H, W]</c>,
    /// a depthwise Conv2d without a bias, global average pooling, Flatten and Dense, named like PyTorch modules.
    /// </summary>
    public static ModelDescription Convolutional { get; } = BuildConvolutional();

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

    private static ModelDescription BuildConvolutional()
    {
        var input = new ModelInput("input", new ShapeInfo([Dimension.Batch, Dimension.Of(2), Dimension.Of(5), Dimension.Of(5)]));
        var same = new Window2d(3, 3, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1);
        ModelNode[] nodes =
        [
            new Conv2dNode("features.0", "input", 2, 4, same, 1, [.. Enumerable.Range(0, 72).Select(i => (i % 9 - 4) / 8f)], [0.1f, -0.1f, 0.2f, 0f]),
            new BatchNormNode("features.1", "features.0", BatchNormOptions.For(BatchNormConventions.PyTorch), [1f, 0.5f, 2f, 1.5f], [0f, 0.25f, -0.5f, 0.1f],
                [0.5, -0.5, 0.25, 0], [2.0, 0.5, 1.0, 0.75], 3),
            new ReluNode("features.2", "features.1"),
            new Conv2dNode("features.3", "features.2", 4, 4, same, 4, [.. Enumerable.Range(0, 36).Select(i => (i % 5 - 2) / 4f)], []),
            new GlobalAveragePoolNode("pool", "features.3"),
            new FlattenNode("flatten", "pool"),
            new DenseNode("classifier", "flatten", 4, 3, [.. Enumerable.Range(0, 12).Select(i => (i % 3 - 1) / 2f)], [0.1f, 0.2f, 0.3f]),
        ];
        return new ModelDescription([input], nodes, ["classifier"]);
    }

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
