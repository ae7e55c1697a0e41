using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using NativeBn.Cli.Bench;
using NativeBn.Serialization;

namespace NativeBn.Cli.Commands;

/// <summary>
/// <c>nativebn bench</c>: a quick benchmark (well under a minute) of the engine on this CPU: min, median and max of
/// timed batches per case, with a plain scalar loop measured in the same run as the baseline for the <c>[N, C]</c>
/// BatchNorm cases. <c>--compare</c> instead merges earlier <c>--json</c> outputs into one table (and a plot).
/// </summary>
internal static class BenchCommand
{
    public static Command Create(CliContext context)
    {
        var json = new Option<FileInfo?>("--json") { Description = "Also write the results as JSON to this file" };
        var compare = new Option<string[]>("--compare")
        {
            Description = "Measure nothing; merge these earlier --json outputs (other machines or instruction-set levels) into one table",
            AllowMultipleArgumentsPerToken = true,
        };
        var label = new Option<string[]>("--label")
        {
            Description = "With --compare: one column label per file, in the same order (default: each file's SIMD width and settings)",
            AllowMultipleArgumentsPerToken = true,
        };
        var plot = new Option<FileInfo?>("--plot") { Description = "With --compare: also draw the medians per case and file as a PNG" };
        var command = new Command("bench", "Measure BatchNorm and network speed on this CPU (under a minute), or compare earlier runs") { json, compare, label, plot };
        command.SetAction(parse => Cli.Guard(context, () =>
        {
            string[] files = parse.GetValue(compare) ?? [];
            string[] labels = parse.GetValue(label) ?? [];
            if (files.Length == 0)
            {
                if (labels.Length != 0 || parse.GetValue(plot) is not null)
                {
                    throw new CliException($"{(labels.Length != 0 ? "--label" : "--plot")} goes with --compare FILE...; without it bench measures this CPU.");
                }

                OutputFile.Check(parse.GetValue(json), "--json");
                Measure(context, parse.GetValue(json));
                return;
            }

            if (parse.GetValue(json) is not null)
            {
                throw new CliException("--json writes a new measurement; --compare measures nothing. Give one or the other.");
            }

            OutputFile.Check(parse.GetValue(plot), "--plot");
            var comparison = BenchComparison.Load(files, labels);
            context.Output.Write(comparison.ToMarkdown());
            if (parse.GetValue(plot) is { } png)
            {
                BenchComparisonPlot.Save(comparison, png.FullName);
                context.Output.WriteLine($"wrote {png.FullName}");
            }
        }));
        return command;
    }

    private static void Measure(CliContext context, FileInfo? json)
    {
        TextWriter o = context.Output;
        var machine = new BenchMachine(MachineInfo.Cpu(), Environment.ProcessorCount, MachineInfo.SupportedSimd(), MachineInfo.WidthUsed(),
            Environment.Version.ToString(), MachineInfo.IsNativeAot(), MachineInfo.SimdSettings());
        string settings = machine.Settings is { Count: > 0 } s ? $"; settings: {string.Join(" ", s)}" : "";
        o.WriteLine($"cpu: {machine.Cpu} ({machine.Cores} cores), .NET {machine.Runtime}{(machine.NativeAot == true ? " (NativeAOT)" : "")}");
        o.WriteLine($"simd supported: {string.Join(", ", machine.SimdSupported)}; width used: {machine.SimdWidthUsed}{settings}");
        o.WriteLine();
        o.WriteLine("| case | N | C | H×W | threads | min | median | max | scalar loop (median) | speed-up |");
        o.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        var entries = new List<BenchEntry>();
        IReadOnlyList<BenchCase> cases = BenchCase.All;
        using (var progress = new ProgressBar(context.Error, context.ShowProgress) { Stage = "benchmarking" })
        {
            var batchNorm = new BatchNormBench(cases.Where(c => c.IsBatchNorm).Max(c => c.Values));
            for (int k = 0; k < cases.Count; k++)
            {
                BenchCase benchCase = cases[k];
                BenchEntry entry = benchCase.IsBatchNorm ? batchNorm.Run(benchCase) : NetworkBench.Run(benchCase);
                entries.Add(entry);
                o.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {entry.Case} | {entry.N} | {entry.C} | {(benchCase.ChannelsFirst ? $"{benchCase.H}×{benchCase.W}" : "")} | {entry.Threads} | {Time(entry.MinNanoseconds)} | {Time(entry.NanosecondsPerOperation)} | {Time(entry.MaxNanoseconds)} | {Time(entry.ScalarLoopNanoseconds)} | {(entry.Speedup is { } r ? r.ToString("F2", CultureInfo.InvariantCulture) + "×" : "-")} |"));
                progress.Report((k + 1.0) / cases.Count);
            }
        }

        if (json is not null)
        {
            var document = new BenchDocument(machine, entries, BenchDocument.CurrentSchemaVersion);
            AtomicFile.WriteAllBytes(json.FullName, JsonSerializer.SerializeToUtf8Bytes(document, BenchJsonContext.Default.BenchDocument));
            o.WriteLine($"wrote {json.FullName}");
        }
    }

    private static string Time(double? nanoseconds) => nanoseconds is { } t ? BenchComparison.FormatTime(t) : "-";
}
