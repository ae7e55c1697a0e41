namespace NativeBn.Cli.Bench;

/// <summary>One file of a comparison: its label, path, machine and entries by row.</summary>
internal sealed record BenchColumn(string Label, string File, BenchMachine Machine, IReadOnlyDictionary<BenchRowKey, BenchEntry> Entries);
