using System.Globalization;
using System.Text;
using System.Text.Json;

namespace NativeBn.Cli.Bench;

/// <summary>
/// <c>nativebn bench --compare</c>: merges the <c>--json</c> outputs of several runs (other machines, other
/// instruction-set levels, JIT or NativeAOT) into one table. A row is a case on one shape and thread count, in the
/// order the rows first appear in the files; a column is a file. A cell is the median time per operation and, when
/// the file has them (schema version 2), the fastest and slowest batch; a case a file does not have is left blank.
/// </summary>
internal sealed class BenchComparison
{
    private BenchComparison(IReadOnlyList<BenchColumn> columns, IReadOnlyList<BenchRowKey> rows)
    {
        Columns = columns;
        Rows = rows;
    }

    /// <summary>The files, in the order given.</summary>
    public IReadOnlyList<BenchColumn> Columns { get; }

    /// <summary>Every case found in any file.</summary>
    public IReadOnlyList<BenchRowKey> Rows { get; }

    /// <summary>
    /// Reads <paramref name="files"/> and labels them with <paramref name="labels"/> (one per file), or, when none are
    /// given, with each file's SIMD width (and "NativeAOT", its DOTNET_ settings, and its CPU when the files come from
    /// different CPUs). A missing or unreadable file, one that is not a <c>bench --json</c> document, or one that holds
    /// a case twice is a <see cref="CliException"/> naming the file.
    /// </summary>
    public static BenchComparison Load(IReadOnlyList<string> files, IReadOnlyList<string> labels)
    {
        if (files.Count == 0)
        {
            throw new CliException("--compare needs at least one file written by nativebn bench --json.");
        }

        if (labels.Count != 0 && labels.Count != files.Count)
        {
            throw new CliException($"--label: {labels.Count} labels for {files.Count} files; give one label per --compare file, or none.");
        }

        var documents = new List<(string File, BenchDocument Document, Dictionary<BenchRowKey, BenchEntry> Entries)>();
        var rows = new List<BenchRowKey>();
        var seen = new HashSet<BenchRowKey>();
        foreach (string file in files)
        {
            BenchDocument document = Read(file);
            var entries = new Dictionary<BenchRowKey, BenchEntry>();
            foreach (BenchEntry entry in document.Entries)
            {
                Validate(entry, file);
                var key = new BenchRowKey(entry.Case, entry.N, entry.C, entry.H ?? 1, entry.W ?? 1, entry.Threads);
                if (!entries.TryAdd(key, entry))
                {
                    throw new CliException($"--compare {file}: the case {key} appears twice.");
                }

                if (seen.Add(key))
                {
                    rows.Add(key);
                }
            }

            documents.Add((file, document, entries));
        }

        bool sameCpu = documents.Select(d => d.Document.Machine.Cpu).Distinct(StringComparer.Ordinal).Count() == 1;
        var columns = new List<BenchColumn>();
        var used = new HashSet<string>(StringComparer.Ordinal);
        for (int k = 0; k < documents.Count; k++)
        {
            string label = labels.Count != 0 ? labels[k] : DefaultLabel(documents[k].Document.Machine, sameCpu);
            string unique = label;
            for (int copy = 2; !used.Add(unique); copy++)
            {
                unique = $"{label} ({copy})";
            }

            columns.Add(new BenchColumn(unique, documents[k].File, documents[k].Document.Machine, documents[k].Entries));
        }

        return new BenchComparison(columns, rows);
    }

    /// <summary>
    /// The merged table in Markdown: case, N, C, H×W (blank for <c>[N, C]</c>), threads, then one column per file,
    /// followed by a list of what each column ran on.
    /// </summary>
    public string ToMarkdown()
    {
        var text = new StringBuilder();
        text.Append("| case | N | C | H×W | threads |");
        foreach (BenchColumn column in Columns)
        {
            text.Append(' ').Append(column.Label.Replace("|", "\\|", StringComparison.Ordinal)).Append(" |");
        }

        text.Append('\n').Append("|---|---:|---:|---:|---:|").Append(string.Concat(Enumerable.Repeat("---:|", Columns.Count))).Append('\n');
        foreach (BenchRowKey row in Rows)
        {
            text.Append(CultureInfo.InvariantCulture, $"| {row.Case} | {row.N} | {row.C} | {(row.H == 1 && row.W == 1 ? "" : $"{row.H}×{row.W}")} | {row.Threads} |");
            foreach (BenchColumn column in Columns)
            {
                text.Append(' ').Append(column.Entries.TryGetValue(row, out BenchEntry? entry) ? Cell(entry) : "").Append(" |");
            }

            text.Append('\n');
        }

        text.Append('\n');
        foreach (BenchColumn column in Columns)
        {
            BenchMachine m = column.Machine;
            string settings = m.Settings is { Count: > 0 } s ? $", {string.Join(" ", s)}" : "";
            string aot = m.NativeAot == true ? ", NativeAOT" : "";
            text.Append(CultureInfo.InvariantCulture, $"- {column.Label}: {column.File}: {m.Cpu} ({m.Cores} cores), .NET {m.Runtime}{aot}, {m.SimdWidthUsed}{settings}\n");
        }

        return text.ToString();
    }

    /// <summary>A time per operation with a unit that keeps three significant digits: 9.41 ns, 941 ns, 9.41 µs, 9.41 ms, 9.41 s.</summary>
    public static string FormatTime(double nanoseconds)
    {
        (double scale, string unit) = Unit(nanoseconds);
        return $"{Significant(nanoseconds / scale)} {unit}";
    }

    private static string Cell(BenchEntry entry)
    {
        double median = entry.NanosecondsPerOperation;
        if (entry.MinNanoseconds is not { } min || entry.MaxNanoseconds is not { } max)
        {
            return FormatTime(median);
        }

        (double scale, _) = Unit(median);
        return $"{FormatTime(median)} ({Significant(min / scale)}–{Significant(max / scale)})";
    }

    private static (double Scale, string Unit) Unit(double nanoseconds) => nanoseconds switch
    {
        < 1e3 => (1, "ns"),
        < 1e6 => (1e3, "µs"),
        < 1e9 => (1e6, "ms"),
        _ => (1e9, "s"),
    };

    private static string Significant(double value) =>
        value.ToString(value >= 100 ? "F0" : value >= 10 ? "F1" : "F2", CultureInfo.InvariantCulture);

    private static string DefaultLabel(BenchMachine machine, bool sameCpu)
    {
        string width = machine.SimdWidthUsed.Split(' ')[0];
        string aot = machine.NativeAot == true ? " NativeAOT" : "";
        string settings = machine.Settings is { Count: > 0 } s ? $" {string.Join(" ", s)}" : "";
        return sameCpu ? $"{width}{aot}{settings}" : $"{machine.Cpu}, {width}{aot}{settings}";
    }

    private static BenchDocument Read(string file)
    {
        if (!File.Exists(file))
        {
            throw new CliException(Directory.Exists(file) ? $"--compare {file} is a folder; give a file written by nativebn bench --json." : $"--compare {file}: no such file.");
        }

        BenchDocument? document;
        try
        {
            using FileStream stream = File.OpenRead(file);
            document = JsonSerializer.Deserialize(stream, BenchJsonContext.Default.BenchDocument);
        }
        catch (JsonException e)
        {
            string where = e.LineNumber is { } line ? $" (line {line + 1})" : "";
            throw new CliException($"--compare {file} is not a nativebn bench --json file{where}: {Cli.FirstLine(e.Message)}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"--compare {file}: cannot read it ({Cli.FirstLine(e.Message)}).");
        }

        if (document is null)
        {
            throw new CliException($"--compare {file} is not a nativebn bench --json file: it holds null.");
        }

        if (document.SchemaVersion is < 1 or > BenchDocument.CurrentSchemaVersion)
        {
            throw new CliException($"--compare {file}: schema_version {document.SchemaVersion} is not one this nativebn reads (1 to {BenchDocument.CurrentSchemaVersion}).");
        }

        return document;
    }

    private static void Validate(BenchEntry entry, string file)
    {
        string what = $"--compare {file}: the entry {entry.Case} N={entry.N} C={entry.C}";
        if (entry.Case.Length == 0 || entry.N < 1 || entry.C < 1 || entry.Threads < 1 || entry.H is < 1 || entry.W is < 1)
        {
            throw new CliException($"{what} needs a case name and positive n, c, h, w and threads.");
        }

        foreach ((double? value, string field) in new[] { ((double?)entry.NanosecondsPerOperation, "ns_per_op"), (entry.MinNanoseconds, "ns_min"), (entry.MaxNanoseconds, "ns_max") })
        {
            if (value is { } v && !(double.IsFinite(v) && v > 0))
            {
                throw new CliException(string.Create(CultureInfo.InvariantCulture, $"{what} has {field} = {v}; expected a positive number of nanoseconds."));
            }
        }
    }
}
