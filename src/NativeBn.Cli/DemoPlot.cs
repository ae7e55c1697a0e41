using NativeBn.Cli.Demo;

namespace NativeBn.Cli;

/// <summary>The demo's PNG: test accuracy against inference batch size, one line per regime.</summary>
internal static class DemoPlot
{
    public static void Save(IReadOnlyList<AccuracyCurve> curves, string path)
    {
        var plot = new ScottPlot.Plot();
        foreach (AccuracyCurve curve in curves)
        {
            double[] xs = [.. curve.BatchSizes.Select(b => Math.Log2(b))];
            double[] ys = [.. curve.Accuracies.Select(a => a * 100)];
            var line = plot.Add.Scatter(xs, ys);
            line.LegendText = curve.Regime;
            line.LineWidth = 2;
        }

        int[] sizes = [.. curves[0].BatchSizes];
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            [.. sizes.Select(s => Math.Log2(s))], [.. sizes.Select(s => s.ToString(System.Globalization.CultureInfo.InvariantCulture))]);
        plot.Title("Test accuracy against inference batch size");
        plot.XLabel("inference batch size");
        plot.YLabel("accuracy (%)");
        plot.Axes.SetLimitsY(0, 100);
        plot.ShowLegend(ScottPlot.Alignment.LowerRight);
        string full = Path.GetFullPath(path);
        string temporary = full + ".tmp.png";
        plot.SavePng(temporary, 800, 500);
        File.Move(temporary, full, overwrite: true);
    }
}
