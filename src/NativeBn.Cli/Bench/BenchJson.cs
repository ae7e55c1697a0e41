using System.Text.Json.Serialization;

namespace NativeBn.Cli.Bench;

/// <summary>
/// The <c>bench --json</c> document: the schema version, the machine, then one entry per case. Version 2 (this one)
/// adds <c>ns_min</c>, <c>ns_max</c>, <c>h</c> and <c>w</c> to the entries and <c>native_aot</c> and
/// <c>settings</c> to the machine; every version 1 field keeps its meaning, so version 1 readers still work and
/// <c>bench --compare</c> reads both (a version 1 file has no <c>schema_version</c>).
/// </summary>
internal sealed record BenchDocument(
    [property: JsonPropertyName("machine")] BenchMachine Machine,
    [property: JsonPropertyName("entries")] IReadOnlyList<BenchEntry> Entries,
    [property: JsonPropertyName("schema_version")] int SchemaVersion = 1)
{
    /// <summary>The version this build writes.</summary>
    public const int CurrentSchemaVersion = 2;
}

/// <summary>
/// What the process runs on: the CPU, its cores, the SIMD instruction sets the runtime offers, the widest vector the
/// kernels use, the .NET version, whether the binary is NativeAOT-compiled, and the <c>DOTNET_</c> settings that change
/// the instruction sets (for example <c>DOTNET_EnableAVX2=0</c>).
/// </summary>
internal sealed record BenchMachine(
    [property: JsonPropertyName("cpu")] string Cpu,
    [property: JsonPropertyName("cores")] int Cores,
    [property: JsonPropertyName("simd_supported")] IReadOnlyList<string> SimdSupported,
    [property: JsonPropertyName("simd_width_used")] string SimdWidthUsed,
    [property: JsonPropertyName("runtime")] string Runtime,
    [property: JsonPropertyName("native_aot")] bool? NativeAot = null,
    [property: JsonPropertyName("settings")] IReadOnlyList<string>? Settings = null);

/// <summary>
/// One measured case. <c>case</c> is bn-infer, bn-train-fwd, bn-train-fwdbwd (on <c>[N, C]</c>), bn-infer-nchw,
/// bn-train-fwd-nchw (on <c>[N, C, H, W]</c>), mlp-predict or mlp-train-step; <c>h</c> and <c>w</c> are the spatial
/// dimensions (absent, or 1, for <c>[N, C]</c>). Times are nanoseconds per operation: <c>ns_per_op</c> is the median
/// of the timed batches, <c>ns_min</c> and <c>ns_max</c> the fastest and slowest batch;
/// <c>scalar_loop_ns_per_op</c> is the median of a plain scalar loop doing the same work in the same run (absent when
/// not measured), and <c>speedup_vs_scalar_loop</c> its ratio to <c>ns_per_op</c>.
/// </summary>
internal sealed record BenchEntry(
    [property: JsonPropertyName("case")] string Case,
    [property: JsonPropertyName("n")] int N,
    [property: JsonPropertyName("c")] int C,
    [property: JsonPropertyName("threads")] int Threads,
    [property: JsonPropertyName("ns_per_op")] double NanosecondsPerOperation,
    [property: JsonPropertyName("scalar_loop_ns_per_op")] double? ScalarLoopNanoseconds = null,
    [property: JsonPropertyName("speedup_vs_scalar_loop")] double? Speedup = null,
    [property: JsonPropertyName("h")] int? H = null,
    [property: JsonPropertyName("w")] int? W = null,
    [property: JsonPropertyName("ns_min")] double? MinNanoseconds = null,
    [property: JsonPropertyName("ns_max")] double? MaxNanoseconds = null);

/// <summary>Source-generated serialization (NativeAOT-safe); reading refuses missing required fields and nulls where none may be.</summary>
[JsonSourceGenerationOptions(WriteIndented = true, RespectNullableAnnotations = true, RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(BenchDocument))]
internal sealed partial class BenchJsonContext : JsonSerializerContext;
