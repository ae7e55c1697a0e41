using System.Text.Json.Serialization;

namespace NativeBn.Cli.Bench;

/// <summary>The <c>bench --json</c> document: the machine, then one entry per case.</summary>
internal sealed record BenchDocument(
    [property: JsonPropertyName("machine")] BenchMachine Machine,
    [property: JsonPropertyName("entries")] IReadOnlyList<BenchEntry> Entries);

/// <summary>What the process runs on.</summary>
internal sealed record BenchMachine(
    [property: JsonPropertyName("cpu")] string Cpu,
    [property: JsonPropertyName("cores")] int Cores,
    [property: JsonPropertyName("simd_supported")] IReadOnlyList<string> SimdSupported,
    [property: JsonPropertyName("simd_width_used")] string SimdWidthUsed,
    [property: JsonPropertyName("runtime")] string Runtime);

/// <summary>One measured case: <c>case</c> is bn-infer, bn-train-fwd, bn-train-fwdbwd, mlp-predict or mlp-train-step.</summary>
internal sealed record BenchEntry(
    [property: JsonPropertyName("case")] string Case,
    [property: JsonPropertyName("n")] int N,
    [property: JsonPropertyName("c")] int C,
    [property: JsonPropertyName("threads")] int Threads,
    [property: JsonPropertyName("ns_per_op")] double NanosecondsPerOperation,
    [property: JsonPropertyName("scalar_loop_ns_per_op")] double? ScalarLoopNanoseconds,
    [property: JsonPropertyName("speedup_vs_scalar_loop")] double? Speedup);

/// <summary>Source-generated serialization (NativeAOT-safe).</summary>
[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(BenchDocument))]
internal sealed partial class BenchJsonContext : JsonSerializerContext;
