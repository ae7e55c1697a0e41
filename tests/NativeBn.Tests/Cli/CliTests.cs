using System.Globalization;
using System.Text;
using System.Text.Json;
using NativeBn.Cli;
using NativeBn.Model;
using NativeBn.Model.Nodes;
using NativeBn.Serialization;

namespace NativeBn.Tests.Cli;

/// <summary>The nativebn command end to end: happy paths on small data, and every error path as one line with exit code 1.</summary>
public class CliTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("nativebn-cli").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static (int Code, string Output, string Error) Run(string input, params string[] args)
    {
        var output = new StringWriter(CultureInfo.InvariantCulture);
        var error = new StringWriter(CultureInfo.InvariantCulture);
        int code = NativeBn.Cli.Cli.Run(args, new CliContext(output, error, new StringReader(input), ShowProgress: false));
        return (code, output.ToString(), error.ToString());
    }

    private string Path(string name) => System.IO.Path.Combine(_folder, name);

    /// <summary>Three separable classes of 6 features, label first.</summary>
    private string WriteTrainingCsv()
    {
        var random = new Random(3);
        var text = new StringBuilder("label,f0,f1,f2,f3,f4,f5\n");
        for (int i = 0; i < 240; i++)
        {
            int label = i % 3;
            text.Append(label);
            for (int f = 0; f < 6; f++)
            {
                double value = (f % 3 == label ? 2.0 : 0.0) + random.NextDouble() - 0.5;
                text.Append(',').Append(value.ToString("R", CultureInfo.InvariantCulture));
            }

            text.Append('\n');
        }

        string path = Path("train.csv");
        File.WriteAllText(path, text.ToString());
        return path;
    }

    [Fact]
    public void TrainRecalibrateDiagnoseFoldEvaluateAndPredictWorkTogether()
    {
        string csv = WriteTrainingCsv();
        string model = Path("model.nbm");

        var train = Run("", "train", "--csv", csv, "--output", model, "--epochs", "20", "--lr", "0.01", "--hidden", "8");
        Assert.True(train.Code == 0, train.Error);
        Assert.Contains("epoch 20: loss", train.Output);
        Assert.True(File.Exists(model));

        var recalibrate = Run("", "recalibrate", "--model", model, "--csv", csv, "--in-place");
        Assert.True(recalibrate.Code == 0, recalibrate.Error);
        Assert.Contains("population statistics over 240 values per channel", recalibrate.Output);

        var diagnose = Run("", "diagnose", "--model", model, "--csv", csv);
        Assert.True(diagnose.Code == 0, diagnose.Error);
        Assert.Contains("worst channels", diagnose.Output);
        Assert.Contains("verdict:", diagnose.Output);
        Assert.Contains("recommendation:", diagnose.Output);

        string folded = Path("folded.nbm");
        var fold = Run("", "fold", "--model", model, "--output", folded);
        Assert.True(fold.Code == 0, fold.Error);
        Assert.Contains("5 nodes → 4 nodes", fold.Output);

        var evaluate = Run("", "evaluate", "--model", model, "--csv", csv);
        Assert.True(evaluate.Code == 0, evaluate.Error);
        double population = double.Parse(evaluate.Output.Split('\n').Single(l => l.StartsWith("population", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        Assert.True(population > 90, evaluate.Output);

        string sample = "2.1,0.2,-0.1,1.9,0.1,0.3\n0.1,0.2,2.2,-0.2,0.1,1.8\n";
        foreach (string which in new[] { model, folded })
        {
            var predict = Run(sample, "predict", "--model", which, "--regime", which == model ? "population" : "running");
            Assert.True(predict.Code == 0, predict.Error);
            string[] lines = predict.Output.Trim().Split('\n');
            Assert.Equal("class,p0,p1,p2", lines[0]);
            string[] rows = lines[1..];
            Assert.Equal(2, rows.Length);
            Assert.Equal(["0", "2"], rows.Select(r => r.Split(',')[0]));
            Assert.All(rows, r => Assert.Equal(1.0, r.Split(',').Skip(1).Sum(p => double.Parse(p, CultureInfo.InvariantCulture)), 4));
        }

        string inputFile = Path("samples.csv");
        File.WriteAllText(inputFile, sample);
        string outputFile = Path("out.csv");
        var toFile = Run("", "predict", "--model", model, "--input", inputFile, "--output", outputFile);
        Assert.True(toFile.Code == 0, toFile.Error);
        Assert.Equal(3, File.ReadAllLines(outputFile).Length);
    }

    [Fact]
    public void ModelsExportToOnnxAndSafetensorsAndPredictTheSameFromEveryFormat()
    {
        string csv = WriteTrainingCsv();
        string model = Path("model.nbm");
        Assert.Equal(0, Run("", "train", "--csv", csv, "--output", model, "--epochs", "5", "--lr", "0.01", "--hidden", "8").Code);
        string sample = "2.1,0.2,-0.1,1.9,0.1,0.3\n0.1,0.2,2.2,-0.2,0.1,1.8\n0.3,1.9,0.1,0.2,2.2,-0.1\n";
        string[] Predict(string file)
        {
            var result = Run(sample, "predict", "--model", file);
            Assert.True(result.Code == 0, result.Error);
            string[] lines = result.Output.Trim().Split('\n');
            Assert.Equal("class,p0,p1,p2", lines[0]);
            return lines[1..];
        }

        string[] expected = Predict(model);
        foreach (string target in new[] { "model.onnx", "model.safetensors" })
        {
            var export = Run("", "export", "--model", model, "--output", Path(target));
            Assert.True(export.Code == 0, export.Error);
            string[] viaExport = Predict(Path(target));
            Assert.Equal(expected.Select(r => r.Split(',')[0]), viaExport.Select(r => r.Split(',')[0]));
            for (int row = 0; row < expected.Length; row++)
            {
                double[] a = [.. expected[row].Split(',').Skip(1).Select(v => double.Parse(v, CultureInfo.InvariantCulture))];
                double[] b = [.. viaExport[row].Split(',').Skip(1).Select(v => double.Parse(v, CultureInfo.InvariantCulture))];
                Assert.All(a.Zip(b), pair => Assert.Equal(pair.First, pair.Second, 1e-5));
            }

            string imported = Path(target + ".nbm");
            var import = Run("", "import", "--input", Path(target), "--output", imported);
            Assert.True(import.Code == 0, import.Error);
            Assert.Equal(viaExport, Predict(imported));
        }

        var keras = Run("", "export", "--model", model, "--output", Path("keras.safetensors"), "--naming", "keras");
        Assert.True(keras.Code == 0, keras.Error);
        Assert.Equal(expected.Select(r => r.Split(',')[0]), Predict(Path("keras.safetensors")).Select(r => r.Split(',')[0]));
        Assert.Equal(1, Run("", "import", "--input", model, "--output", Path("x.nbm")).Code);
        Assert.Equal(1, Run("", "export", "--model", model, "--output", Path("x.txt")).Code);
    }

    [Fact]
    public void DemoWritesJsonAndPlot()
    {
        string json = Path("demo.json"), plot = Path("demo.png");
        var demo = Run("", "demo", "--json", json, "--plot", plot, "--epochs", "1");
        Assert.True(demo.Code == 0, demo.Error);
        Assert.Contains("| population |", demo.Output);
        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(json));
        string[] names = [.. document.RootElement.GetProperty("regimes").EnumerateArray().Select(r => r.GetProperty("name").GetString()!)];
        Assert.Equal(["batch-stats-n1", "batch-stats-n32", "running", "population", "folded"], names);
        Assert.All(document.RootElement.GetProperty("regimes").EnumerateArray(), r =>
        {
            Assert.InRange(r.GetProperty("accuracy").GetDouble(), 0, 1);
            Assert.True(r.GetProperty("latency_us").GetDouble() > 0);
        });
        Assert.Equal(["ema-lag", "dropout-before-bn"], document.RootElement.GetProperty("scenarios").EnumerateArray().Select(s => s.GetProperty("name").GetString()));
        byte[] png = File.ReadAllBytes(plot);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
    }

    [Fact]
    public void CnnDemoTrainsAConvolutionalNetworkWhoseModelEveryCommandTakes()
    {
        string json = Path("cnn.json"), model = Path("cnn.nbm");
        var demo = Run("", "demo", "--model", "cnn", "--json", json, "--epochs", "1", "--save-model", model);
        Assert.True(demo.Code == 0, demo.Error);
        Assert.Contains("conv 3x3 8", demo.Output);
        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(json));
        var regimes = document.RootElement.GetProperty("regimes").EnumerateArray().ToDictionary(r => r.GetProperty("name").GetString()!);
        // Each BatchNorm of the CNN sees H·W values per channel even at batch 1: a shift of the predictions, not chance.
        Assert.InRange(regimes["batch-stats-n1"].GetProperty("accuracy").GetDouble(), 0.5, 1);
        Assert.InRange(regimes["folded"].GetProperty("max_abs_diff_vs_population").GetDouble(), 0, 1e-5);

        ModelDescription saved = ModelFile.Load(model);
        Assert.Equal(2, saved.Nodes.OfType<Conv2dNode>().Count());
        Assert.Equal(2, saved.BatchNorms.Count());
        var evaluate = Run("", "evaluate", "--model", model);
        Assert.True(evaluate.Code == 0, evaluate.Error);
        Assert.Matches(@"batch-stats-n1\s+\d+\.\d+ %", evaluate.Output);
        var diagnose = Run("", "diagnose", "--model", model);
        Assert.True(diagnose.Code == 0, diagnose.Error);
        string folded = Path("cnn-folded.nbm");
        Assert.Equal(0, Run("", "fold", "--model", model, "--output", folded).Code);
        Assert.Empty(ModelFile.Load(folded).BatchNorms);
        Assert.Equal(0, Run("", "export", "--model", model, "--output", Path("cnn.onnx")).Code);
        Assert.Equal(0, Run("", "import", "--input", Path("cnn.onnx"), "--output", Path("cnn-again.nbm")).Code);
    }

    [Fact]
    public void TrainTakesAConvolutionalArchitectureOnImages()
    {
        string model = Path("conv.nbm");
        var train = Run("", "train", "--architecture", "conv:4:3:2,batchnorm,relu,avgpool:2,flatten,dense", "--epochs", "1", "--output", model);
        Assert.True(train.Code == 0, train.Error);
        ModelDescription saved = ModelFile.Load(model);
        Assert.Equal("[N, 1, 28, 28]", saved.Input.Shape.ToString());
        Assert.Single(saved.Nodes.OfType<Conv2dNode>());
        var misfit = Run("", "train", "--architecture", "conv:4:3,dense", "--epochs", "1", "--output", Path("bad.nbm"));
        Assert.Equal(1, misfit.Code);
        Assert.Contains("add a flatten first", misfit.Error);
    }

    public static TheoryData<string, string[], string> ErrorCases() => new()
    {
        { "", ["evaluate", "--model", "/nonexistent/model.nbm"], "Cannot read model file /nonexistent/model.nbm" },
        { "1,2,3\n", ["predict", "--model", "MODEL"], "standard input holds [1, 3] (3 values per sample); the model takes [N, 6] (6 values per sample)." },
        { "1,2,x,4,5,6\n", ["predict", "--model", "MODEL"], "standard input:1, field 3: 'x' is not a number." },
        { "1,2,NaN,4,5,6\n", ["predict", "--model", "MODEL"], "standard input:1, field 3: NaN is not finite." },
        { "", ["predict", "--model", "MODEL"], "standard input holds no rows." },
        { "1,2,3,4,5,6\n", ["predict", "--model", "MODEL", "--regime", "population"], "The model has no population statistics" },
        { "", ["train", "--csv", "/nonexistent.csv", "--output", "OUT"], "Cannot read /nonexistent.csv" },
        { "", ["train", "--output", "OUT", "--epochs", "0"], "--epochs must be at least 1, got 0." },
        { "", ["train", "--output", "OUT", "--images", "x.idx"], "--images and --labels go together." },
        { "", ["evaluate", "--model", "GARBAGE"], "is not a NativeBn model file" },
        { "", ["train", "--output", "OUT", "--dropout", "1.5", "--epochs", "1"], "--dropout must be in [0, 1), got 1.5." },
    };

    [Theory]
    [MemberData(nameof(ErrorCases))]
    public void BadInputGivesOneLineAndExitCodeOne(string input, string[] args, string message)
    {
        string model = Path("small.nbm");
        var train = Run("", "train", "--csv", WriteTrainingCsv(), "--output", model, "--epochs", "1", "--hidden", "4");
        Assert.Equal(0, train.Code);
        string garbage = Path("garbage.nbm");
        File.WriteAllText(garbage, "this is not a model");
        string[] resolved = [.. args.Select(a => a switch { "MODEL" => model, "OUT" => Path("out.nbm"), "GARBAGE" => garbage, _ => a })];

        var result = Run(input, resolved);

        Assert.Equal(1, result.Code);
        string[] lines = result.Error.Trim().Split('\n');
        Assert.Single(lines);
        Assert.StartsWith("nativebn: error: ", lines[0]);
        Assert.Contains(message.Replace("GARBAGE", garbage), lines[0]);
        Assert.DoesNotContain("   at ", result.Error);
    }

    [Fact]
    public void UnknownOptionsAndCommandsFailWithoutAStackTrace()
    {
        var result = Run("", "evaluate", "--bogus");
        Assert.NotEqual(0, result.Code);
        Assert.DoesNotContain("   at ", result.Error + result.Output);
        Assert.NotEqual(0, Run("", "frobnicate").Code);
    }

    [Fact]
    public void InfoReportsTheSimdWidthAndTheCudaStatus()
    {
        var result = Run("", "info");

        Assert.True(result.Code == 0, result.Error);
        Assert.Contains("simd width in use: ", result.Output);
        string cuda = result.Output.Split('\n').Single(l => l.StartsWith("cuda: ", StringComparison.Ordinal));
        Assert.True(cuda.StartsWith("cuda: available: ", StringComparison.Ordinal) || cuda.StartsWith("cuda: unavailable: ", StringComparison.Ordinal), cuda);
        Assert.True(cuda.Length > "cuda: unavailable: ".Length, cuda);
    }
}
