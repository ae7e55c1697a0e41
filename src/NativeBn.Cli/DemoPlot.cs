using ScottPlot;
using NativeBn.Cli.Demo;

namespace NativeBn.Cli;

/// <summary>
/// The demo's PNG: test accuracy against inference batch size, one line per regime, each with its own marker shape
/// and size (so lines that coincide stay visible: a larger marker shows around a smaller one). The upper panel spans
/// 0-100 %; the lower panel zooms on the band of the stored-statistics regimes (running, population, folded), whose
/// differences are fractions of a point.
/// </summary>
internal static class DemoPlot
{
    private static readonly ScottPlot.MarkerShape[] Shapes =
        [ScottPlot.MarkerShape.FilledCircle, ScottPlot.MarkerShape.OpenSquare, ScottPlot.MarkerShape.OpenDiamond, ScottPlot.MarkerShape.Cross];

    public static void Save(IReadOnlyList<AccuracyCurve> curves, string title, string path)
    {
        var multiplot = new ScottPlot.Multiplot();
        multiplot.AddPlots(2);
        ScottPlot.Plot all = multiplot.GetPlot(0), zoom = multiplot.GetPlot(1);
        Draw(all, curves);
        all.Title($"{title}: test accuracy against inference batch size");
        all.Axes.SetLimitsY(0, 100);
        all.ShowLegend(ScottPlot.Alignment.LowerRight);

        AccuracyCurve[] stored = [.. curves.Skip(1)];
        Draw(zoom, stored, skip: 1);
        double low = stored.SelectMany(c => c.Accuracies).Min() * 100, high = stored.SelectMany(c => c.Accuracies).Max() * 100;
        double margin = Math.Max(0.25, (high - low) * 0.2);
        zoom.Title("zoom on running, population and folded statistics");
        zoom.Axes.SetLimitsY(low - margin, high + margin);
        zoom.ShowLegend(ScottPlot.Alignment.LowerRight);

        string full = Path.GetFullPath(path);
        string temporary = full + ".tmp.png";
        multiplot.SavePng(temporary, 800, 900);
        File.Move(temporary, full, overwrite: true);
    }

    private static void Draw(ScottPlot.Plot plot, IReadOnlyList<AccuracyCurve> curves, int skip = 0)
    {
        for (int k = 0; k < curves.Count; k++)
        {
            AccuracyCurve curve = curves[k];
            double[] xs = [.. curve.BatchSizes.Select(b => Math.Log2(b))];
            double[] ys = [.. curve.Accuracies.Select(a => a * 100)];
            var line = plot.Add.Scatter(xs, ys, plot.Add.Palette.GetColor(k + skip));
            line.LegendText = curve.Regime;
            line.LineWidth = 2;
            line.MarkerShape = Shapes[(k + skip) % Shapes.Length];
            line.MarkerSize = 16 - 3 * (k + skip);
        }

        int[] sizes = [.. curves[0].BatchSizes];
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            [.. sizes.Select(s => Math.Log2(s))], [.. sizes.Select(s => s.ToString(System.Globalization.CultureInfo.InvariantCulture))]);
        plot.XLabel("inference batch size");
        plot.YLabel("accuracy (%)");
    }
}
