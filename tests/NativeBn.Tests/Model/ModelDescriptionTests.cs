using NativeBn.Model;
using NativeBn.Model.Nodes;
using NativeBn.Network;
using NativeBn.Normalization;
using NativeBn.Serialization;

namespace NativeBn.Tests.Model;

/// <summary>
/// The model description: shapes inferred and checked with errors that name the node, graphs beyond chains (a residual
/// Add) predicted like a double-precision evaluation of the same graph, and kept whole by the model file.
/// </summary>
public class ModelDescriptionTests
{
    private static ModelInput Input(params int[] dims) =>
        new("x", new ShapeInfo([Dimension.Batch, .. dims.Select(Dimension.Of)]));

    private static float[] Values(int count, int seed) => TestData.Uniform(count, seed, -1f, 1f);

    [Fact]
    public void ShapesAreInferredThroughTheGraph()
    {
        var bn = new BatchNormNode("bn", "x", new BatchNormOptions(), Values(3, 1), Values(3, 2), new double[3], [1.0, 2.0, 0.5], 0);
        var model = new ModelDescription([Input(3, 4, 5)], [bn, new ReluNode("r", "bn"), new FlattenNode("f", "r")], ["f"]);
        Assert.Equal("[N, 3, 4, 5]", model.ShapeOf("bn").ToString());
        Assert.Equal(ShapeInfo.Features(60), model.ShapeOf("f"));
        Assert.False(model.EndsInSoftmax);
        Assert.True(model.IsChain);
    }

    [Fact]
    public void InvalidGraphsAreRejectedNamingTheNode()
    {
        var dense = new DenseNode("fc1", "x", 4, 2, Values(8, 3), Values(2, 4));
        Assert.Equal("Node 'fc1' (Dense): takes [N, 4], got [N, 5].",
            Assert.Throws<ArgumentException>(() => new ModelDescription([Input(5)], [dense], ["fc1"])).Message);
        Assert.Contains("Node 'r' (Relu) reads 'missing'",
            Assert.Throws<ArgumentException>(() => new ModelDescription([Input(4)], [new ReluNode("r", "missing")], ["r"])).Message);
        Assert.Contains("Node 'x' (Relu) has the name of an earlier tensor",
            Assert.Throws<ArgumentException>(() => new ModelDescription([Input(4)], [new ReluNode("x", "x")], ["x"])).Message);
        Assert.Contains("Node 'sum' (Add): adds tensors of the same shape, got [N, 4] and [N, 2]",
            Assert.Throws<ArgumentException>(() => new ModelDescription([Input(4)], [dense, new AddNode("sum", "x", "fc1")], ["sum"])).Message);
        Assert.Contains("The graph output 'nowhere'",
            Assert.Throws<ArgumentException>(() => new ModelDescription([Input(4)], [dense], ["nowhere"])).Message);
        Assert.Contains("Node 'fc2' (Dense): weight has 7 values; expected [outputs = 2, inputs = 4] = 8",
            Assert.Throws<ArgumentException>(() => new DenseNode("fc2", "x", 4, 2, Values(7, 5), Values(2, 6))).Message);
        Assert.Contains("Node 'drop' (Dropout): the rate is 1",
            Assert.Throws<ArgumentException>(() => new DropoutNode("drop", "x", 1.0)).Message);
        Assert.Contains("weight of node 'nan'",
            Assert.Throws<ArgumentException>(() => new DenseNode("nan", "x", 1, 1, [float.NaN], [0f])).Message);
    }

    /// <summary>x → fc1 → bn → relu; x → skip; add(relu, skip) → softmax, as a plan and as double arithmetic.</summary>
    private static ModelDescription Residual()
    {
        var options = BatchNormOptions.For(BatchNormConventions.Keras);
        ModelNode[] nodes =
        [
            new DenseNode("fc1", "x", 5, 3, Values(15, 7), Values(3, 8)),
            new BatchNormNode("bn", "fc1", options, [1.5f, 0.5f, 1f], [0.1f, -0.2f, 0.3f], [0.2, -0.1, 0.05], [1.2, 0.8, 2.0], 11),
            new ReluNode("relu", "bn"),
            new DenseNode("skip", "x", 5, 3, Values(15, 9), Values(3, 10)),
            new AddNode("sum", "relu", "skip"),
            new SoftmaxNode("p", "sum"),
        ];
        return new ModelDescription([Input(5)], nodes, ["p"]);
    }

    private static double[] Reference(ModelDescription model, float[] x)
    {
        var fc1 = (DenseNode)model.Producer("fc1")!;
        var skip = (DenseNode)model.Producer("skip")!;
        var bn = (BatchNormNode)model.Producer("bn")!;
        double[] Dense(DenseNode d) => [.. Enumerable.Range(0, d.OutputFeatures).Select(o =>
            d.Bias[o] + Enumerable.Range(0, d.InputFeatures).Sum(i => (double)d.Weight[o * d.InputFeatures + i] * x[i]))];
        double[] h = Dense(fc1), s = Dense(skip);
        double eps = bn.Options.Conventions.Epsilon;
        double[] sum = [.. Enumerable.Range(0, 3).Select(c =>
            Math.Max(0, bn.Gamma[c] * (h[c] - bn.RunningMean[c]) / Math.Sqrt(bn.RunningVariance[c] + eps) + bn.Beta[c]) + s[c])];
        double max = sum.Max();
        double[] e = [.. sum.Select(v => Math.Exp(v - max))];
        return [.. e.Select(v => v / e.Sum())];
    }

    [Fact]
    public void AResidualGraphPredictsLikeItsDoublePrecisionEvaluation()
    {
        ModelDescription model = Residual();
        Assert.False(model.IsChain);
        Assert.True(model.EndsInSoftmax);
        foreach (InferenceRegime regime in new[] { InferenceRegime.Running, InferenceRegime.Folded })
        {
            InferencePlan plan = InferencePlan.Build(model, regime);
            for (int s = 0; s < 6; s++)
            {
                float[] x = Values(5, 20 + s);
                var output = new float[3];
                plan.Predict(x, output);
                Assertions.Close(Reference(model, x), output, 1e-6, $"{regime} sample {s}");
            }
        }
    }

    [Fact]
    public void FoldingAGraphFoldsOnlyWhereTheDenseOutputHasOneReader()
    {
        ModelDescription folded = ModelFolding.Fold(Residual());
        Assert.Empty(folded.BatchNorms);
        Assert.Equal(["fc1", "relu", "skip", "sum", "p"], folded.Nodes.Select(n => n.Name));
        Assert.Equal(["fc1"], folded.Producer("relu")!.Inputs.ToArray());

        var shared = new ModelDescription([Input(2)],
        [
            new DenseNode("d", "x", 2, 2, Values(4, 1), Values(2, 2)),
            new BatchNormNode("bn", "d", new BatchNormOptions(), [1f, 1f], [0f, 0f], [0.5, 0.5], [2.0, 2.0], 0),
            new AddNode("both", "bn", "d"),
        ], ["both"]);
        Assert.Single(ModelFolding.Fold(shared).BatchNorms);
    }

    [Fact]
    public void TheModelFileKeepsAGraphWhole()
    {
        ModelDescription model = Residual();
        byte[] bytes = ModelFile.Serialize(model);
        ModelDescription loaded = ModelFile.Deserialize(bytes, "residual.nbm");
        Assert.Equal(bytes, ModelFile.Serialize(loaded));
        Assert.Equal(model.Nodes.Select(n => (n.Name, n.Kind, string.Join(",", n.Inputs))), loaded.Nodes.Select(n => (n.Name, n.Kind, string.Join(",", n.Inputs))));
        Assert.Equal(11, loaded.BatchNorms.Single().BatchesTracked);
        Assert.Equal(BatchNormConventions.Keras, loaded.BatchNorms.Single().Options.Conventions);
    }
}
