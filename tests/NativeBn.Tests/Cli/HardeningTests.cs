using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using NativeBn.Cli;
using NativeBn.Interop.Safetensors;
using NativeBn.Serialization;

namespace NativeBn.Tests.Cli;

/// <summary>
/// Every bad input a user can give the command line ends in one line <c>nativebn: error: ...</c> naming what they typed,
/// exit code 1, the files they gave untouched and nothing written; library faults are told apart (exit code 2).
/// </summary>
public class HardeningTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("nativebn-hardening").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static (int Code, string Output, string Error) Run(string input, params string[] args)
    {
        var output = new StringWriter(CultureInfo.InvariantCulture);
        var error = new StringWriter(CultureInfo.InvariantCulture);
        int code = NativeBn.Cli.Cli.Run(args, new CliContext(output, error, new StringReader(input), ShowProgress: false));
        return (code, output.ToString(), error.ToString());
    }

    private string PathOf(string name) => Path.Combine(_folder, name);

    private string Write(string name, string text)
    {
        File.WriteAllText(PathOf(name), text);
        return PathOf(name);
    }

    /// <summary>Files every case may name: a trained model, its folded and Keras forms, data in good and bad shapes.</summary>
    private Dictionary<string, string> Fixtures()
    {
        var random = new Random(3);
        var csv = new StringBuilder();
        var samples = new StringBuilder();
        for (int i = 0; i < 90; i++)
        {
            int label = i % 3;
            double[] f = [.. Enumerable.Range(0, 4).Select(k => (k % 3 == label ? 2.0 : 0.0) + random.NextDouble() - 0.5)];
            csv.Append(string.Create(CultureInfo.InvariantCulture, $"{label},{f[0]},{f[1]},{f[2]},{f[3]}\n"));
            samples.Append(string.Create(CultureInfo.InvariantCulture, $"{f[0]},{f[1]},{f[2]},{f[3]}\n"));
        }

        var files = new Dictionary<string, string>
        {
            ["CSV"] = Write("train.csv", csv.ToString()),
            ["SAMPLES"] = Write("samples.csv", samples.ToString()),
            ["LABEL2E9"] = Write("huge-label.csv", "0,1,2\n2000000000,2,3\n"),
            ["HEADERJUNK"] = Write("junk-header.csv", "abc,0.1,0.2,0.3\n0.5,1,2,3\n"),
            ["SEMICOLON"] = Write("semicolon.csv", "0.5;1;2;3\n1;2;3;4\n"),
        };
        files["MODEL"] = PathOf("model.nbm");
        Assert.Equal(0, Run("", "train", "--csv", files["CSV"], "--output", files["MODEL"], "--epochs", "2", "--hidden", "4").Code);
        files["FOLDED"] = PathOf("folded.nbm");
        Assert.Equal(0, Run("", "fold", "--model", files["MODEL"], "--output", files["FOLDED"]).Code);
        files["BIGDENSE"] = PathOf("big-dense.nbm");
        File.WriteAllBytes(files["BIGDENSE"], WithDenseOutputs(File.ReadAllBytes(files["MODEL"]), 700_000));
        return files;
    }

    /// <summary>The model file with its first dense layer declaring <paramref name="outputs"/> outputs and a valid checksum.</summary>
    private static byte[] WithDenseOutputs(byte[] file, int outputs)
    {
        // magic, version, input count, name "input", rank 2 and its dimensions, node count, kind, name "0", input count, "input", inputs: then outputs.
        int offset = 8 + 4 + 4 + (4 + 5) + 4 + 2 * 4 + 4 + 1 + (4 + 1) + 4 + (4 + 5) + 4;
        byte[] body = file[..^4];
        BinaryPrimitives.WriteInt32LittleEndian(body.AsSpan(offset), outputs);
        var crc = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(crc, Crc32.Compute(body));
        return [.. body, .. crc];
    }

    public static TheoryData<string, string[], string> Cases() => new()
    {
        { "", ["train", "--csv", "LABEL2E9", "--output", "OUT"], "huge-label.csv:2, field 1: the label '2000000000' is not a class index from 0 to 99999." },
        { "", ["evaluate", "--model", "BIGDENSE"], "big-dense.nbm: truncated at byte" },
        { "1,2,3,4\n", ["predict", "--model", "BIGDENSE"], "while reading the weights of node '0'" },
        { "", ["train", "--hidden", "100000000", "--output", "OUT"], "--hidden must be from 1 to 1048576, got 100000000." },
        { "", ["train", "--hidden", "1000000", "--output", "OUT"], "Training a dense layer of 784 inputs and 1000000 outputs" },
        { "", ["predict", "--model", "MODEL", "--input", "SAMPLES", "--output", "SAMPLES"], "--output SAMPLES is the --input file" },
        { "", ["train", "--csv", "CSV", "--output", "MISSING"], "--output MISSING: the folder MISSINGDIR does not exist." },
        { "", ["demo", "--json", "MISSING"], "--json MISSING: the folder MISSINGDIR does not exist." },
        { "", ["demo", "--plot", "MISSING"], "--plot MISSING: the folder MISSINGDIR does not exist." },
        { "", ["demo", "--save-model", "MISSING"], "--save-model MISSING: the folder MISSINGDIR does not exist." },
        { "", ["bench", "--json", "MISSING"], "--json MISSING: the folder MISSINGDIR does not exist." },
        { "", ["recalibrate", "--model", "MODEL", "--csv", "CSV", "--output", "MISSING"], "--output MISSING: the folder MISSINGDIR does not exist." },
        { "", ["fold", "--model", "MODEL", "--output", "MODEL"], "--output MODEL is the --model file" },
        { "", ["recalibrate", "--model", "MODEL", "--csv", "CSV"], "recalibrate writes the model to --output FILE, or replaces --model with --in-place." },
        { "", ["predict", "--model", "MODEL", "--input", "HEADERJUNK"], "junk-header.csv:1, field 1: 'abc' is not a number." },
        { "", ["predict", "--model", "MODEL", "--input", "SEMICOLON"], "semicolon.csv:1: the fields are separated by ';'; NativeBn reads comma-separated values." },
        { "", ["train", "--dropout", "-0.5", "--output", "OUT"], "--dropout must be in [0, 1), got -0.5." },
        { "", ["train", "--dropout", "NaN", "--output", "OUT"], "--dropout must be in [0, 1), got NaN." },
        { "", ["train", "--lr", "NaN", "--output", "OUT"], "--lr must be a finite number above 0, got NaN." },
        { "", ["train", "--lr", "1e30", "--csv", "CSV", "--epochs", "3", "--output", "OUT"], "training diverged at epoch 1, step" },
        { "", ["train", "--momentum", "2", "--output", "OUT"], "--momentum 2:" },
        { "", ["diagnose", "--model", "FOLDED", "--csv", "CSV"], "The model has no BatchNorm layer" },
        { "", ["evaluate", "--model", "MODEL", "--csv", "SAMPLES"], "samples.csv:1, field 1: the label '" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void BadInputEndsInOneLineExitCodeOneAndTouchesNoFile(string input, string[] args, string message)
    {
        Dictionary<string, string> files = Fixtures();
        string missing = Path.Combine(_folder, "missing", "dir", "out.nbm");
        files["OUT"] = PathOf("out.nbm");
        files["MISSING"] = missing;
        Dictionary<string, string> before = Directory.GetFiles(_folder).ToDictionary(f => f, f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))));
        string[] resolved = [.. args.Select(a => files.GetValueOrDefault(a, a))];

        var result = Run(input, resolved);

        Assert.Equal(1, result.Code);
        string[] lines = result.Error.TrimEnd().Split('\n');
        Assert.True(lines.Length == 1, result.Error);
        string expected = message.Replace("MISSINGDIR", Path.GetDirectoryName(missing)!, StringComparison.Ordinal);
        foreach ((string key, string path) in files)
        {
            expected = expected.Replace(key, path, StringComparison.Ordinal);
        }

        Assert.StartsWith("nativebn: error: ", lines[0]);
        Assert.Contains(expected, lines[0]);
        Assert.DoesNotContain("epoch 1: loss", result.Output);
        Assert.Equal(before.Keys.Order(), Directory.GetFiles(_folder).Order());
        Assert.All(before, file => Assert.Equal(file.Value, Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(file.Key)))));
    }

    [Fact]
    public void ParseErrorsNameTheProblemAndPointAtHelp()
    {
        var unknown = Run("", "evaluate", "--bogus", "--model", "x.nbm");
        Assert.Equal(1, unknown.Code);
        Assert.Equal(["nativebn: error: Unrecognized command or argument '--bogus'.", "Run 'nativebn evaluate --help' for usage."], unknown.Error.TrimEnd().Split('\n'));
        var badNumber = Run("", "train", "--lr", "abc", "--output", "x.nbm");
        Assert.StartsWith("nativebn: error: Cannot parse argument 'abc' for option '--lr'", badNumber.Error);
        Assert.Contains("Usage:\n  nativebn [command] [options]", Run("", "--help").Output.Replace("\r\n", "\n"));
    }

    [Fact]
    public void AFaultOfTheLibraryIsAnInternalErrorWithExitCodeTwo()
    {
        var error = new StringWriter(CultureInfo.InvariantCulture);
        var context = new CliContext(new StringWriter(CultureInfo.InvariantCulture), error, new StringReader(""), false);
        int code = NativeBn.Cli.Cli.Guard(context, () => throw new IndexOutOfRangeException("boom"));
        Assert.Equal(NativeBn.Cli.Cli.InternalError, code);
        Assert.Equal("nativebn: internal error: IndexOutOfRangeException: boom", error.ToString().TrimEnd());
    }

    [Fact]
    public void RecalibrateAndDiagnoseNeedNoLabelsAndKeepTheFileFormatAndNaming()
    {
        Dictionary<string, string> files = Fixtures();
        string keras = PathOf("model.safetensors");
        Assert.Equal(0, Run("", "export", "--model", files["MODEL"], "--output", keras, "--naming", "keras").Code);

        var recalibrate = Run("", "recalibrate", "--model", keras, "--csv", files["SAMPLES"], "--in-place");
        Assert.True(recalibrate.Code == 0, recalibrate.Error);
        Assert.Contains("no labels", recalibrate.Output);
        Assert.Equal(SafetensorsNaming.Keras, SafetensorsModels.NamingOf(keras));
        var (tensors, _) = SafetensorsFile.ReadFile(keras);
        Assert.Contains("dense.kernel", tensors.Keys);
        Assert.DoesNotContain("0.weight", tensors.Keys);

        var diagnose = Run("", "diagnose", "--model", files["MODEL"], "--csv", files["SAMPLES"]);
        Assert.True(diagnose.Code == 0, diagnose.Error);
        Assert.Contains("accuracy: not measured (the data has no labels)", diagnose.Output);
        Assert.Contains("verdict:", diagnose.Output);
    }
}
