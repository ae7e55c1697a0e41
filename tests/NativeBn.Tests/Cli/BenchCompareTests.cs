using System.Globalization;
using System.Text.Json;
using NativeBn.Cli;
using NativeBn.Cli.Bench;

namespace NativeBn.Tests.Cli;

/// <summary>
/// <c>nativebn bench --compare</c> on hand-written <c>--json</c> files: the merged table (rows in first-seen order,
/// blanks where a file lacks a case, version 1 and 2 files side by side), labels, the plot, and every bad input as one
/// error line with exit code 1.
/// </summary>
public class BenchCompareTests : IDisposable
{
    private const string Avx512 = """
        {
          "schema_version": 2,
          "machine": { "cpu": "Test CPU", "cores": 2, "simd_supported": ["SSE4.2", "AVX2", "FMA", "AVX-512F"],
                       "simd_width_used": "Vector512 (16 floats)", "runtime": "10.0.12", "native_aot": false, "settings": [] },
          "entries": [
            { "case": "bn-infer", "n": 1, "c": 64, "h": 1, "w": 1, "threads": 1, "ns_per_op": 9.4, "ns_min": 9.1, "ns_max": 12.26,
              "scalar_loop_ns_per_op": 50.0, "speedup_vs_scalar_loop": 5.3 },
            { "case": "bn-train-fwd", "n": 4096, "c": 1024, "h": 1, "w": 1, "threads": 2, "ns_per_op": 1034000, "ns_min": 998000, "ns_max": 1310000,
              "scalar_loop_ns_per_op": null, "speedup_vs_scalar_loop": null },
            { "case": "bn-infer-nchw", "n": 8, "c": 256, "h": 14, "w": 14, "threads": 2, "ns_per_op": 41200, "ns_min": 40000, "ns_max": 45600 }
          ]
        }
        """;

    /// <summary>A version 1 file (no schema_version, h, w, ns_min or ns_max) from the 128-bit level, without the NCHW case and with one more.</summary>
    private const string Sse = """
        {
          "machine": { "cpu": "Test CPU", "cores": 2, "simd_supported": ["SSE4.2"], "simd_width_used": "Vector128 (4 floats)", "runtime": "10.0.12" },
          "entries": [
            { "case": "bn-train-fwd", "n": 4096, "c": 1024, "threads": 2, "ns_per_op": 2500000, "scalar_loop_ns_per_op": null, "speedup_vs_scalar_loop": null },
            { "case": "bn-infer", "n": 1, "c": 64, "threads": 1, "ns_per_op": 23.456, "scalar_loop_ns_per_op": 50.0, "speedup_vs_scalar_loop": 2.1 },
            { "case": "mlp-predict", "n": 1, "c": 784, "threads": 1, "ns_per_op": 1830 }
          ]
        }
        """;

    private readonly string _folder = Directory.CreateTempSubdirectory("nativebn-bench-compare").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static (int Code, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter(CultureInfo.InvariantCulture);
        var error = new StringWriter(CultureInfo.InvariantCulture);
        int code = NativeBn.Cli.Cli.Run(args, new CliContext(output, error, new StringReader(""), ShowProgress: false));
        return (code, output.ToString(), error.ToString());
    }

    private string Write(string name, string text)
    {
        string path = Path.Combine(_folder, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void MergesFilesIntoOneTableWithBlanksForMissingCases()
    {
        string a = Write("avx512.json", Avx512), b = Write("sse.json", Sse);

        var result = Run("bench", "--compare", a, b);

        Assert.True(result.Code == 0, result.Error);
        string[] lines = result.Output.Split('\n');
        Assert.Equal("| case | N | C | H×W | threads | Vector512 | Vector128 |", lines[0]);
        Assert.Equal("|---|---:|---:|---:|---:|---:|---:|", lines[1]);
        Assert.Equal("| bn-infer | 1 | 64 |  | 1 | 9.40 ns (9.10–12.3) | 23.5 ns |", lines[2]);
        Assert.Equal("| bn-train-fwd | 4096 | 1024 |  | 2 | 1.03 ms (1.00–1.31) | 2.50 ms |", lines[3]);
        Assert.Equal("| bn-infer-nchw | 8 | 256 | 14×14 | 2 | 41.2 µs (40.0–45.6) |  |", lines[4]);
        Assert.Equal("| mlp-predict | 1 | 784 |  | 1 |  | 1.83 µs |", lines[5]);
        Assert.Equal("", lines[6]);
        Assert.Equal($"- Vector512: {a}: Test CPU (2 cores), .NET 10.0.12, Vector512 (16 floats)", lines[7]);
        Assert.Equal($"- Vector128: {b}: Test CPU (2 cores), .NET 10.0.12, Vector128 (4 floats)", lines[8]);
    }

    [Fact]
    public void LabelsNameTheColumnsAndRepeatedDefaultsAreNumbered()
    {
        string a = Write("a.json", Avx512), b = Write("b.json", Avx512);

        var labelled = Run("bench", "--compare", a, b, "--label", "AVX-512 JIT", "--label", "AVX-512 AOT");
        var defaults = Run("bench", "--compare", a, b);

        Assert.True(labelled.Code == 0, labelled.Error);
        Assert.StartsWith("| case | N | C | H×W | threads | AVX-512 JIT | AVX-512 AOT |\n", labelled.Output);
        Assert.True(defaults.Code == 0, defaults.Error);
        Assert.StartsWith("| case | N | C | H×W | threads | Vector512 | Vector512 (2) |\n", defaults.Output);
    }

    [Fact]
    public void DifferentCpusAndSettingsAppearInTheDefaultLabels()
    {
        string a = Write("a.json", Avx512);
        string b = Write("b.json", Sse.Replace("\"cpu\": \"Test CPU\"", "\"cpu\": \"Other CPU\"", StringComparison.Ordinal)
            .Replace("\"runtime\": \"10.0.12\"", "\"runtime\": \"10.0.12\", \"native_aot\": false, \"settings\": [\"DOTNET_EnableAVX2=0\"]", StringComparison.Ordinal));

        var result = Run("bench", "--compare", a, b);

        Assert.True(result.Code == 0, result.Error);
        Assert.StartsWith("| case | N | C | H×W | threads | Test CPU, Vector512 | Other CPU, Vector128 DOTNET_EnableAVX2=0 |\n", result.Output);
    }

    [Fact]
    public void PlotIsAPngOfTheMedians()
    {
        string a = Write("a.json", Avx512), b = Write("b.json", Sse), png = Path.Combine(_folder, "compare.png");

        var result = Run("bench", "--compare", a, b, "--plot", png);

        Assert.True(result.Code == 0, result.Error);
        byte[] bytes = File.ReadAllBytes(png);
        Assert.True(bytes.Length > 10_000, $"{bytes.Length} bytes");
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
        Assert.Equal([png.Split(Path.DirectorySeparatorChar)[^1]], Directory.GetFiles(_folder, "*.png").Select(Path.GetFileName));
    }

    public static TheoryData<string, string> BadFiles() => new()
    {
        { "{ \"machine\": ", " is not a nativebn bench --json file (line 1): " },
        { "[1, 2]", " is not a nativebn bench --json file (line 1): " },
        { "null", " is not a nativebn bench --json file: it holds null." },
        { Avx512.Replace("\"case\": \"bn-infer\", ", "", StringComparison.Ordinal), " is not a nativebn bench --json file (line 7): " },
        { Avx512.Replace("\"schema_version\": 2", "\"schema_version\": 3", StringComparison.Ordinal), ": schema_version 3 is not one this nativebn reads (1 to 2)." },
        { Avx512.Replace("\"ns_per_op\": 9.4", "\"ns_per_op\": -9.4", StringComparison.Ordinal), ": the entry bn-infer N=1 C=64 has ns_per_op = -9.4; expected a positive number of nanoseconds." },
        { Avx512.Replace("\"ns_max\": 45600", "\"ns_max\": 0", StringComparison.Ordinal), ": the entry bn-infer-nchw N=8 C=256 has ns_max = 0; expected a positive number of nanoseconds." },
        { Avx512.Replace("\"n\": 4096", "\"n\": 0", StringComparison.Ordinal), ": the entry bn-train-fwd N=0 C=1024 needs a case name and positive n, c, h, w and threads." },
        { Avx512.Replace("\"case\": \"bn-train-fwd\", \"n\": 4096", "\"case\": \"bn-infer\", \"n\": 1", StringComparison.Ordinal).Replace("\"c\": 1024, \"h\": 1, \"w\": 1, \"threads\": 2", "\"c\": 64, \"h\": 1, \"w\": 1, \"threads\": 1", StringComparison.Ordinal),
            ": the case bn-infer N=1 C=64 threads=1 appears twice." },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void BadFilesAreOneErrorLineNamingTheFile(string text, string message)
    {
        string good = Write("good.json", Avx512), bad = Write("bad.json", text);

        var result = Run("bench", "--compare", good, bad);

        Assert.Equal(1, result.Code);
        Assert.Equal("", result.Output);
        Assert.StartsWith($"nativebn: error: --compare {bad}{message}", result.Error);
        Assert.Single(result.Error.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public void BadOptionsAreOneErrorLine()
    {
        string a = Write("a.json", Avx512);
        string missing = Path.Combine(_folder, "missing.json");
        (string[] Args, string Message)[] cases =
        [
            (["bench", "--compare", a, missing], $"--compare {missing}: no such file."),
            (["bench", "--compare", a, _folder], $"--compare {_folder} is a folder; give a file written by nativebn bench --json."),
            (["bench", "--compare", a, a, "--label", "one"], "--label: 1 labels for 2 files; give one label per --compare file, or none."),
            (["bench", "--label", "one"], "--label goes with --compare FILE...; without it bench measures this CPU."),
            (["bench", "--plot", Path.Combine(_folder, "p.png")], "--plot goes with --compare FILE...; without it bench measures this CPU."),
            (["bench", "--compare", a, "--json", Path.Combine(_folder, "out.json")], "--json writes a new measurement; --compare measures nothing. Give one or the other."),
            (["bench", "--compare", a, "--plot", Path.Combine(_folder, "no", "p.png")], $"--plot {Path.Combine(_folder, "no", "p.png")}: the folder {Path.Combine(_folder, "no")} does not exist."),
        ];
        foreach ((string[] args, string message) in cases)
        {
            var result = Run(args);
            Assert.Equal(1, result.Code);
            Assert.Equal($"nativebn: error: {message}\n", result.Error);
        }
    }

    [Fact]
    public void JsonDocumentKeepsVersion1FieldsAndAddsVersion2Fields()
    {
        var document = new BenchDocument(
            new BenchMachine("Test CPU", 2, ["AVX2"], "Vector256 (8 floats)", "10.0.12", false, ["DOTNET_PreferredVectorBitWidth=256"]),
            [new BenchEntry("bn-infer", 1, 64, 1, 9.5, 50, 5.25, 1, 1, 9, 12)],
            BenchDocument.CurrentSchemaVersion);

        using JsonDocument json = JsonDocument.Parse(JsonSerializer.SerializeToUtf8Bytes(document, BenchJsonContext.Default.BenchDocument));

        JsonElement root = json.RootElement;
        Assert.Equal(2, root.GetProperty("schema_version").GetInt32());
        Assert.Equal(["cpu", "cores", "simd_supported", "simd_width_used", "runtime", "native_aot", "settings"],
            root.GetProperty("machine").EnumerateObject().Select(p => p.Name));
        JsonElement entry = root.GetProperty("entries")[0];
        Assert.Equal(["case", "n", "c", "threads", "ns_per_op", "scalar_loop_ns_per_op", "speedup_vs_scalar_loop", "h", "w", "ns_min", "ns_max"],
            entry.EnumerateObject().Select(p => p.Name));
        Assert.Equal(9.5, entry.GetProperty("ns_per_op").GetDouble());
        Assert.Equal(9, entry.GetProperty("ns_min").GetDouble());
        Assert.Equal(12, entry.GetProperty("ns_max").GetDouble());
    }
}
