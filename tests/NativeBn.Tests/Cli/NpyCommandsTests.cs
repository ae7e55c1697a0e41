using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.CompilerServices;
using NativeBn.Cli;
using NativeBn.Model;
using NativeBn.Model.Nodes;
using NativeBn.Normalization;
using NativeBn.Serialization;
using NativeBn.Tests.Reference;

namespace NativeBn.Tests.Cli;

/// <summary>
/// A small CNN with input [N, C, H, W] fed from NumPy .npy files (written by NumPy, <c>Data/Fixtures/npy</c>) and IDX
/// images: recalibrate, diagnose, predict and evaluate against a double-precision evaluation of the graph on the
/// values NumPy's text oracle holds, and shape mismatches refused with both shapes named.
/// </summary>
public class NpyCommandsTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("nativebn-npy-cli").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static (int Code, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter(CultureInfo.InvariantCulture);
        var error = new StringWriter(CultureInfo.InvariantCulture);
        int code = NativeBn.Cli.Cli.Run(args, new CliContext(output, error, new StringReader(""), ShowProgress: false));
        return (code, output.ToString(), error.ToString());
    }

    private static string Fixture(string name, [CallerFilePath] string source = "") =>
        Path.Combine(Path.GetDirectoryName(source)!, "..", "Data", "Fixtures", "npy", name);

    private string PathOf(string name) => Path.Combine(_folder, name);

    /// <summary>
    /// The samples of f4_nchw.npy as NumPy's text oracle gives them, [4, 90]; the first holds a subnormal, -0 and
    /// 3.4e38, so statistics over them are compared relative to their magnitude.
    /// </summary>
    private static float[][] OracleSamples()
    {
        float[] values = [.. File.ReadAllLines(Fixture("f4_nchw.txt")).Skip(1).Select(v => (float)double.Parse(v, CultureInfo.InvariantCulture))];
        return [.. values.Chunk(90)];
    }

    private static int[] OracleLabels() => [.. File.ReadAllLines(Fixture("labels.txt")).Skip(1).Select(v => int.Parse(v, CultureInfo.InvariantCulture))];

    /// <summary>conv 3x3 (C → 4) → BatchNorm → ReLU → global average pool → flatten → dense 4 → 3 → softmax, input [N, C, H, W].</summary>
    private static ModelDescription Cnn(int channels, int height, int width)
    {
        ModelNode[] nodes =
        [
            new Conv2dNode("conv", "x", channels, 4, new Window2d(3, 3, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1), 1,
                TestData.Uniform(4 * channels * 9, 1, -0.5f, 0.5f), TestData.Uniform(4, 2, -0.1f, 0.1f)),
            new BatchNormNode("bn", "conv", new BatchNormOptions(), TestData.Uniform(4, 3, 0.5f, 1.5f), TestData.Uniform(4, 4, -0.2f, 0.2f),
                [0.1, -0.2, 0.3, 0.0], [0.5, 1.5, 2.0, 1.0], 10),
            new ReluNode("relu", "bn"),
            new GlobalAveragePoolNode("gap", "relu"),
            new FlattenNode("flat", "gap"),
            new DenseNode("fc", "flat", 4, 3, TestData.Uniform(12, 5, -1f, 1f), TestData.Uniform(3, 6, -0.1f, 0.1f)),
            new SoftmaxNode("p", "fc"),
        ];
        var input = new ModelInput("x", new ShapeInfo([Dimension.Batch, Dimension.Of(channels), Dimension.Of(height), Dimension.Of(width)]));
        return new ModelDescription([input], nodes, ["p"]);
    }

    private string SaveCnn(string name, int channels, int height, int width)
    {
        string path = PathOf(name);
        ModelFile.Save(Cnn(channels, height, width), path);
        return path;
    }

    [Fact]
    public void RecalibrateGivesTheConvolutionOutputsPopulationStatistics()
    {
        string model = SaveCnn("cnn.nbm", 3, 5, 6), recalibrated = PathOf("recalibrated.nbm");
        var result = Run("recalibrate", "--model", model, "--npy", Fixture("f4_nchw.npy"), "--output", recalibrated);
        Assert.True(result.Code == 0, result.Error);
        Assert.Contains("population statistics over 120 values per channel", result.Output);
        Assert.Contains("NumPy f4_nchw.npy [4, 3, 5, 6] (4 samples, no labels)", result.Output);

        ModelDescription upToConv = new(Cnn(3, 5, 6).Inputs, [Cnn(3, 5, 6).Nodes[0]], ["conv"]);
        double[][] conv = [.. OracleSamples().Select(s => ReferenceGraph.Evaluate(upToConv, s))];
        PopulationMoments population = ModelFile.Load(recalibrated).BatchNorms.Single().Population!;
        for (int c = 0; c < 4; c++)
        {
            double[] values = [.. conv.SelectMany(s => s.Skip(c * 30).Take(30))];
            double mean = values.Average(), variance = values.Select(v => (v - mean) * (v - mean)).Average();
            Assert.True(Math.Abs(population.Mean[c] - mean) <= 1e-6 * Math.Max(Math.Abs(mean), 1), $"channel {c}: mean {population.Mean[c]:R}, expected {mean:R}");
            Assert.True(Math.Abs(population.Variance[c] - variance) <= 1e-6 * Math.Max(variance, 1), $"channel {c}: variance {population.Variance[c]:R}, expected {variance:R}");
        }

        var diagnose = Run("diagnose", "--model", recalibrated, "--npy", Fixture("f4_nchw.npy"));
        Assert.True(diagnose.Code == 0, diagnose.Error);
        Assert.Contains("accuracy: not measured (the data has no labels)", diagnose.Output);
        Assert.Contains("verdict:", diagnose.Output);

        var labeled = Run("diagnose", "--model", recalibrated, "--npy", Fixture("f4_nchw.npy"), "--npy-labels", Fixture("labels_u1.npy"));
        Assert.True(labeled.Code == 0, labeled.Error);
        Assert.Contains("accuracy: running", labeled.Output);
    }

    [Fact]
    public void PredictAndEvaluateMatchADoublePrecisionEvaluationOfTheGraph()
    {
        string model = SaveCnn("cnn.nbm", 3, 5, 6);
        double[][] expected = [.. OracleSamples().Select(s => ReferenceGraph.Evaluate(Cnn(3, 5, 6), s))];

        var predict = Run("predict", "--model", model, "--npy", Fixture("f4_nchw.npy"));
        Assert.True(predict.Code == 0, predict.Error);
        string[] lines = predict.Output.Trim().Split('\n');
        Assert.Equal("class,p0,p1,p2", lines[0]);
        Assert.Equal(5, lines.Length);
        for (int s = 0; s < 4; s++)
        {
            double[] row = [.. lines[s + 1].Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture))];
            for (int k = 0; k < 3; k++)
            {
                Assert.Equal(expected[s][k], row[k + 1], 1e-5);
            }
        }

        int[] labels = OracleLabels();
        double accuracy = Enumerable.Range(0, 4).Count(s => Array.IndexOf(expected[s], expected[s].Max()) == labels[s]) / 4.0;
        var evaluate = Run("evaluate", "--model", model, "--npy", Fixture("f4_nchw.npy"), "--npy-labels", Fixture("labels_i8.npy"));
        Assert.True(evaluate.Code == 0, evaluate.Error);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"running          {accuracy * 100,6:F2} %"), evaluate.Output);
        Assert.Matches(@"batch-stats-n1\s+\d+\.\d\d %", evaluate.Output);
        Assert.Contains("population       (none", evaluate.Output);
    }

    /// <summary>An unsigned-byte IDX image file [count, rows, cols].</summary>
    private string WriteIdxImages(int count, int rows, int columns)
    {
        var bytes = new byte[16 + count * rows * columns];
        bytes[2] = 0x08;
        bytes[3] = 3;
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), count);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(8), rows);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(12), columns);
        for (int i = 16; i < bytes.Length; i++)
        {
            bytes[i] = (byte)(i * 37);
        }

        string path = PathOf("images.idx");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void IdxImagesFeedAOneChannelCnn()
    {
        string images = WriteIdxImages(6, 5, 6), model = SaveCnn("gray.nbm", 1, 5, 6);
        var recalibrate = Run("recalibrate", "--model", model, "--images", images, "--output", PathOf("out.nbm"));
        Assert.True(recalibrate.Code == 0, recalibrate.Error);
        Assert.Contains("population statistics over 180 values per channel", recalibrate.Output);

        var predict = Run("predict", "--model", model, "--images", images);
        Assert.True(predict.Code == 0, predict.Error);
        Assert.Equal(7, predict.Output.Trim().Split('\n').Length);
    }

    public static TheoryData<string[], string> Refusals() => new()
    {
        { ["recalibrate", "--model", "MNIST_CNN", "--npy", "f4_nchw.npy", "--output", "OUT"],
            "f4_nchw.npy holds [4, 3, 5, 6] (90 values per sample); the model takes [N, 1, 28, 28] (784 values per sample)." },
        { ["diagnose", "--model", "CNN", "--npy", "f4_nhwc.npy"],
            "f4_nhwc.npy holds [4, 5, 6, 3]; the model takes [N, 3, 5, 6]: the same 90 values per sample in another layout." },
        { ["predict", "--model", "MNIST_CNN", "--npy", "f4_nchw.npy"], "the model takes [N, 1, 28, 28] (784 values per sample)." },
        { ["evaluate", "--model", "CNN", "--npy", "f4_nchw.npy"], "--npy needs --npy-labels here" },
        { ["diagnose", "--model", "CNN", "--npy", "f4_nchw.npy", "--csv", "f4_nchw.txt"], "Give one data source: --csv, --images (with --labels) or --npy (with --npy-labels), not several." },
        { ["diagnose", "--model", "CNN", "--npy", "f4_nchw.npy", "--images", "IDX"], "Give one data source" },
        { ["diagnose", "--model", "CNN", "--npy-labels", "labels_i8.npy"], "--npy-labels labels the samples of an --npy file; add --npy." },
        { ["predict", "--model", "CNN", "--npy", "f4_nchw.npy", "--images", "IDX"], "Give one source of samples: --input (CSV), --npy or --images, not several." },
        { ["diagnose", "--model", "CNN", "--npy", "f4_fortran.npy"], "Fortran (column-major) order" },
        { ["evaluate", "--model", "CNN", "--npy", "f4_nchw.npy", "--npy-labels", "f4_v2.npy"], "labels must be '<i8' (int64), '<i4' (int32) or '|u1' (uint8)" },
        { ["recalibrate", "--model", "GRAY_TALL", "--images", "IDX", "--output", "OUT"],
            "images.idx holds [6, 5, 6]; the model takes [N, 1, 6, 5]: the same 30 values per sample in another layout." },
        { ["diagnose", "--model", "GRAY_SMALL", "--images", "IDX"],
            "images.idx holds [6, 5, 6] (30 values per sample); the model takes [N, 1, 4, 4] (16 values per sample)." },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void MismatchesAreRefusedNamingBothShapes(string[] args, string message)
    {
        var files = new Dictionary<string, string>
        {
            ["CNN"] = SaveCnn("cnn.nbm", 3, 5, 6),
            ["MNIST_CNN"] = SaveCnn("mnist.nbm", 1, 28, 28),
            ["GRAY_TALL"] = SaveCnn("tall.nbm", 1, 6, 5),
            ["GRAY_SMALL"] = SaveCnn("small.nbm", 1, 4, 4),
            ["IDX"] = WriteIdxImages(6, 5, 6),
            ["OUT"] = PathOf("out.nbm"),
        };
        string[] resolved = [.. args.Select(a => files.TryGetValue(a, out string? file) ? file : a.EndsWith(".npy", StringComparison.Ordinal) || a.EndsWith(".txt", StringComparison.Ordinal) ? Fixture(a) : a)];

        var result = Run(resolved);

        Assert.Equal(1, result.Code);
        Assert.StartsWith("nativebn: error: ", result.Error);
        Assert.Contains(message, result.Error);
        Assert.False(File.Exists(PathOf("out.nbm")));
    }
}
