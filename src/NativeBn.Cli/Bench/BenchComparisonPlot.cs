using System.Globalization;

namespace NativeBn.Cli.Bench;

/// <summary>
/// The PNG of <c>bench --compare --plot</c>: for every case, one bar per file, its height the median time per
/// operation on a logarithmic axis (the cases span nanoseconds to tens of milliseconds), each file in its own colour.
/// </summary>
internal static class BenchComparisonPlot
{
    public static void Save(BenchComparison comparison, string path)
    {
        var plot = new ScottPlot.Plot();
        int files = comparison.Columns.Count;
        double width = 0.8 / files;
        double highest = 0;
        for (int k = 0; k < files; k++)
        {
            BenchColumn column = comparison.Columns[k];
            ScottPlot.Color color = plot.Add.Palette.GetColor(k);
            var bars = new List<ScottPlot.Bar>();
            for (int r = 0; r < comparison.Rows.Count; r++)
            {
                if (column.Entries.TryGetValue(comparison.Rows[r], out BenchEntry? entry))
                {
                    double value = Math.Log10(Math.Max(1, entry.NanosecondsPerOperation));
                    highest = Math.Max(highest, value);
                    bars.Add(new ScottPlot.Bar { Position = r - 0.4 + width * (k + 0.5), Value = value, ValueBase = 0, Size = width, FillColor = color, LineWidth = 0 });
                }
            }

            plot.Add.Bars(bars);
            plot.Legend.ManualItems.Add(new ScottPlot.LegendItem { LabelText = column.Label, FillColor = color });
        }

        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            [.. Enumerable.Range(0, comparison.Rows.Count).Select(r => (double)r)], [.. comparison.Rows.Select(RowLabel)]);
        plot.Axes.Bottom.TickLabelStyle.Rotation = 45;
        plot.Axes.Bottom.TickLabelStyle.Alignment = ScottPlot.Alignment.MiddleLeft;
        plot.Axes.Bottom.MinimumSize = 6 * comparison.Rows.Max(r => RowLabel(r).Length);
        int decades = (int)Math.Ceiling(highest) + 1;
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            [.. Enumerable.Range(0, decades).Select(d => (double)d)], [.. Enumerable.Range(0, decades).Select(Decade)]);
        plot.Axes.SetLimits(-0.6, comparison.Rows.Count - 0.4, 0, decades - 1 + 0.2);
        plot.YLabel("median time per operation (log scale)");
        plot.Title("nativebn bench: median per case and file");
        plot.ShowLegend(ScottPlot.Alignment.UpperLeft);

        string full = Path.GetFullPath(path);
        string temporary = full + ".tmp.png";
        plot.SavePng(temporary, Math.Max(800, 60 * comparison.Rows.Count + 200), 700);
        File.Move(temporary, full, overwrite: true);
    }

    private static string Decade(int power) =>
        $"{(power % 3 == 0 ? "1" : power % 3 == 1 ? "10" : "100")} {(power < 3 ? "ns" : power < 6 ? "µs" : power < 9 ? "ms" : "s")}";

    private static string RowLabel(BenchRowKey row) => row.H == 1 && row.W == 1
        ? string.Create(CultureInfo.InvariantCulture, $"{row.Case} {row.N}×{row.C} T{row.Threads}")
        : string.Create(CultureInfo.InvariantCulture, $"{row.Case} {row.N}×{row.C}×{row.H}×{row.W} T{row.Threads}");
}
