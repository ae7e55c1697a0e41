using System.Text.Json.Serialization;

namespace NativeBn.Cli;

/// <summary>The demo's JSON document: <c>{"regimes":[...],"scenarios":[...],"curves":[...]}</c>.</summary>
internal sealed record DemoDocument(
    [property: JsonPropertyName("regimes")] IReadOnlyList<RegimeEntry> Regimes,
    [property: JsonPropertyName("scenarios")] IReadOnlyList<ScenarioEntry> Scenarios,
    [property: JsonPropertyName("curves")] IReadOnlyList<CurveEntry> Curves);

/// <summary>One regime.</summary>
internal sealed record RegimeEntry(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("accuracy")] double Accuracy,
    [property: JsonPropertyName("latency_us")] double LatencyMicroseconds,
    [property: JsonPropertyName("max_abs_diff_vs_population")] double MaxDifference);

/// <summary>One scenario.</summary>
internal sealed record ScenarioEntry(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("description")] string Description,
    [property: JsonPropertyName("running_accuracy")] double RunningAccuracy,
    [property: JsonPropertyName("population_accuracy")] double PopulationAccuracy);

/// <summary>Accuracy against inference batch size.</summary>
internal sealed record CurveEntry(
    [property: JsonPropertyName("regime")] string Regime,
    [property: JsonPropertyName("batch_sizes")] IReadOnlyList<int> BatchSizes,
    [property: JsonPropertyName("accuracies")] IReadOnlyList<double> Accuracies);

/// <summary>Source-generated serialization (no reflection, NativeAOT-safe).</summary>
[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(DemoDocument))]
internal sealed partial class DemoJsonContext : JsonSerializerContext;
