using System.Globalization;
using System.Text;
using NativeBn.Cli;
using NativeBn.Model;
using NativeBn.Model.Nodes;
using NativeBn.Network;
using NativeBn.Normalization;
using NativeBn.Serialization;

namespace NativeBn.Tests.Cli;

/// <summary>
/// The commands on models the demo never made: a tabular CSV with a named label column, a text architecture,
/// fine-tuning a model file, and evaluation and diagnosis of models imported from ONNX and safetensors.
/// </summary>
public class ModelCommandsTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("nativebn-models").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static (int Code, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter(CultureInfo.InvariantCulture);
        var error = new StringWriter(CultureInfo.InvariantCulture);
        int code = NativeBn.Cli.Cli.Run(args, new CliContext(output, error, new StringReader(""), ShowProgress: false));
        return (code, output.ToString(), error.ToString());
    }

    private string PathOf(string name) => Path.Combine(_folder, name);

    /// <summary>Customers with 5 features and a churn class (3 classes) in a column named 'segment' in the middle.</summary>
    private string WriteTabularCsv()
    {
        var random = new Random(8);
        var text = new StringBuilder("age,income,segment,visits,tenure,score\n");
        for (int i = 0; i < 300; i++)
        {
            int segment = i % 3;
            double[] f = [.. Enumerable.Range(0, 5).Select(k => (k % 3 == segment ? 1.5 : -0.5) + random.NextDouble() - 0.5)];
            text.Append(string.Create(CultureInfo.InvariantCulture, $"{f[0]},{f[1]},{segment},{f[2]},{f[3]},{f[4]}\n"));
        }

        string path = PathOf("customers.csv");
        File.WriteAllText(path, text.ToString());
        return path;
    }

    [Fact]
    public void TrainBuildsATextArchitectureOnANamedLabelColumn()
    {
        string csv = WriteTabularCsv();
        string model = PathOf("tabular.nbm");
        var train = Run("train", "--csv", csv, "--label-column", "segment", "--output", model, "--epochs", "15", "--lr", "0.01",
            "--architecture", "dense:16,batchnorm,relu,dropout:0.1,dense:8,batchnorm,relu,dense", "--preset", "keras", "--momentum", "0.9", "--epsilon", "0.01");
        Assert.True(train.Code == 0, train.Error);
        Assert.Contains("accuracy on the training data", train.Output);

        ModelDescription saved = ModelFile.Load(model);
        Assert.Equal(["Dense", "BatchNorm", "Relu", "Dropout", "Dense", "BatchNorm", "Relu", "Dense", "Softmax"], saved.Nodes.Select(n => n.Kind));
        Assert.Equal(ShapeInfo.Features(5), saved.Input.Shape);
        Assert.Equal(ShapeInfo.Features(3), saved.ShapeOf(saved.Output));
        Assert.All(saved.BatchNorms, node =>
        {
            Assert.Equal(new BatchNormConventions(0.9, MomentumConvention.Decay, 0.01, RunningVarianceConvention.Biased), node.Options.Conventions);
            Assert.Equal(SingleValuePolicy.Throw, node.Options.SingleValue);
            Assert.True(node.BatchesTracked > 0);
        });

        var evaluate = Run("evaluate", "--model", model, "--csv", csv, "--label-column", "segment");
        Assert.True(evaluate.Code == 0, evaluate.Error);
        double running = double.Parse(evaluate.Output.Split('\n').Single(l => l.StartsWith("running", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        Assert.True(running > 90, evaluate.Output);
    }

    [Fact]
    public void TrainFineTunesAModelWithBatchNormFrozenOrNot()
    {
        string csv = WriteTabularCsv();
        string start = PathOf("start.nbm");
        Assert.Equal(0, Run("train", "--csv", csv, "--label-column", "segment", "--output", start, "--epochs", "3", "--hidden", "8").Code);
        ModelDescription before = ModelFile.Load(start);

        string frozen = PathOf("frozen.nbm");
        var tuneFrozen = Run("train", "--csv", csv, "--label-column", "segment", "--model", start, "--freeze-batchnorm", "--output", frozen, "--epochs", "2", "--lr", "0.01");
        Assert.True(tuneFrozen.Code == 0, tuneFrozen.Error);
        Assert.Contains("statistics frozen", tuneFrozen.Output);
        ModelDescription afterFrozen = ModelFile.Load(frozen);
        BatchNormNode a = before.BatchNorms.Single(), b = afterFrozen.BatchNorms.Single();
        Assert.Equal(a.RunningMean.ToArray(), b.RunningMean.ToArray());
        Assert.Equal(a.RunningVariance.ToArray(), b.RunningVariance.ToArray());
        Assert.Equal(a.BatchesTracked, b.BatchesTracked);
        Assert.NotEqual(a.Gamma.ToArray(), b.Gamma.ToArray());
        Assert.NotEqual(((DenseNode)before.Nodes[0]).Weight.ToArray(), ((DenseNode)afterFrozen.Nodes[0]).Weight.ToArray());

        string tuned = PathOf("tuned.nbm");
        Assert.Equal(0, Run("train", "--csv", csv, "--label-column", "segment", "--model", start, "--output", tuned, "--epochs", "2").Code);
        BatchNormNode c = ModelFile.Load(tuned).BatchNorms.Single();
        Assert.NotEqual(a.RunningMean.ToArray(), c.RunningMean.ToArray());
        Assert.True(c.BatchesTracked > a.BatchesTracked);

        string narrow = PathOf("narrow.csv");
        File.WriteAllText(narrow, "a,segment,b\n0.5,0,1\n1.5,1,0.25\n2,2,0.5\n");
        var wrongData = Run("train", "--csv", narrow, "--label-column", "segment", "--model", start, "--output", PathOf("x.nbm"));
        Assert.Equal(1, wrongData.Code);
        Assert.Contains("narrow.csv holds [3, 2] (2 values per sample); the model takes [N, 5] (5 values per sample).", wrongData.Error);

        var unlabeled = Run("train", "--csv", csv, "--model", start, "--output", PathOf("x.nbm"));
        Assert.Equal(1, unlabeled.Code);
        Assert.Contains("customers.csv:2, field 1 ('age'): the label", unlabeled.Error);
    }

    [Fact]
    public void EvaluateAndDiagnoseWorkOnModelsImportedFromOnnxAndSafetensors()
    {
        string csv = WriteTabularCsv();
        string model = PathOf("model.nbm");
        Assert.Equal(0, Run("train", "--csv", csv, "--label-column", "segment", "--output", model, "--epochs", "5", "--hidden", "8").Code);
        foreach (string target in new[] { "model.onnx", "model.safetensors" })
        {
            Assert.Equal(0, Run("export", "--model", model, "--output", PathOf(target)).Code);
            string imported = PathOf(target + ".nbm");
            Assert.Equal(0, Run("import", "--input", PathOf(target), "--output", imported).Code);
            foreach (string file in new[] { PathOf(target), imported })
            {
                var evaluate = Run("evaluate", "--model", file, "--csv", csv, "--label-column", "segment");
                Assert.True(evaluate.Code == 0, $"{file}: {evaluate.Error}");
                Assert.Contains("batch-stats-n1", evaluate.Output);
                Assert.Contains("folded", evaluate.Output);

                var diagnose = Run("diagnose", "--model", file, "--csv", csv, "--label-column", "segment");
                Assert.True(diagnose.Code == 0, $"{file}: {diagnose.Error}");
                Assert.Contains("verdict:", diagnose.Output);
            }
        }
    }

    [Fact]
    public void DiagnoseAndRecalibrateExplainAModelWithoutBatchNorm()
    {
        string csv = WriteTabularCsv();
        string model = PathOf("model.nbm"), folded = PathOf("folded.nbm");
        Assert.Equal(0, Run("train", "--csv", csv, "--label-column", "segment", "--output", model, "--epochs", "1", "--hidden", "8").Code);
        Assert.Equal(0, Run("fold", "--model", model, "--output", folded).Code);
        foreach (string[] command in new[] { new[] { "diagnose" }, ["recalibrate", "--output", PathOf("out.nbm")] })
        {
            var result = Run([.. command, "--model", folded, "--csv", csv, "--label-column", "segment"]);
            Assert.Equal(1, result.Code);
            Assert.Contains("no BatchNorm layer", result.Error);
            Assert.Contains("TrainingMode.PRESERVE", result.Error);
        }
    }

    [Fact]
    public void PredictPrintsTheRawOutputsOfAModelWithoutSoftmaxSoThatTheyParseBackExactly()
    {
        ModelDescription description = new SequentialBuilder(3, seed: 2).Dense(4).BatchNorm().Relu().Dense(2).Describe();
        string model = PathOf("logits.nbm");
        ModelFile.Save(description, model);
        var output = new StringWriter(CultureInfo.InvariantCulture);
        var error = new StringWriter(CultureInfo.InvariantCulture);
        int code = NativeBn.Cli.Cli.Run(["predict", "--model", model], new CliContext(output, error, new StringReader("0.5,-1,2\n3,0.25,-0.125\n"), false));
        Assert.True(code == 0, error.ToString());
        string[] lines = output.ToString().Trim().Split('\n');
        Assert.Equal("y0,y1", lines[0]);
        InferencePlan plan = InferencePlan.Build(description, InferenceRegime.Running);
        float[][] samples = [[0.5f, -1f, 2f], [3f, 0.25f, -0.125f]];
        for (int row = 0; row < 2; row++)
        {
            var expected = new float[2];
            plan.Predict(samples[row], expected);
            Assert.Equal(expected, lines[row + 1].Split(',').Select(f => float.Parse(f, CultureInfo.InvariantCulture)));
        }

        var classes = Run("predict", "--model", model, "--classes", "--input", WriteSamples("0.5,-1,2\n"));
        Assert.True(classes.Code == 0, classes.Error);
        Assert.StartsWith("class,p0,p1\n", classes.Output);
    }

    private string WriteSamples(string text)
    {
        string path = PathOf("samples.csv");
        File.WriteAllText(path, text);
        return path;
    }
}
