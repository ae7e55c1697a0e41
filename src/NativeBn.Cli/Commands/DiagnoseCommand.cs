using System.CommandLine;
using System.Globalization;
using NativeBn.Diagnostics;
using NativeBn.Interop;
using NativeBn.Model;
using NativeBn.Network;
using NativeBn.Serialization;

namespace NativeBn.Cli.Commands;

/// <summary><c>nativebn diagnose</c>: how far running statistics are from the population, and what it costs.</summary>
internal static class DiagnoseCommand
{
    public static Command Create(CliContext context)
    {
        var data = new DataOptions();
        var model = CommonOptions.Model();
        var command = new Command("diagnose", "Compare each BatchNorm layer's running statistics with exact population statistics; report the effect and a verdict") { model };
        data.AddTo(command);
        command.SetAction(parse => Cli.Guard(context, () =>
        {
            ModelDescription network = ModelFormats.Load(parse.GetValue(model)!.FullName);
            ResolvedData resolved = data.ResolveForStatistics(parse, network.Input.Shape.ValuesPerSample);
            resolved.RequireInput(network.Input.Shape);
            var (train, test, description) = resolved;

            DriftReport report = DriftDiagnosis.Run(network, train, test);
            CultureInfo inv = CultureInfo.InvariantCulture;
            TextWriter o = context.Output;
            o.WriteLine($"data: {description}");
            foreach (LayerDrift layer in report.Layers)
            {
                o.WriteLine(string.Create(inv, $"node {layer.Node} (BatchNorm, {layer.Channels} channels): mean |Δmean| {layer.MeanRelativeMeanDifference:F3} std, mean |Δvar|/var {layer.MeanRelativeVarianceDifference:F3}"));
                o.WriteLine("  worst channels:  channel  mean shift (std)  std ratio  KL (nats)");
                foreach (ChannelDrift c in layer.WorstChannels)
                {
                    o.WriteLine(string.Create(inv, $"                  {c.Channel,7}  {c.MeanShift,16:F3}  {c.StdRatio,9:F3}  {c.Divergence,9:F4}"));
                }
            }

            o.WriteLine(report.RunningAccuracy is { } running && report.PopulationAccuracy is { } population
                ? string.Create(inv, $"accuracy: running {running * 100:F2} %, population {population * 100:F2} %")
                : "accuracy: not measured (the data has no labels)");
            o.WriteLine(string.Create(inv, $"output drift: max |Δp| {report.MaxProbabilityDrift:E2}, mean |Δp| {report.MeanProbabilityDrift:E2}"));
            o.WriteLine($"verdict: {report.Verdict}");
            o.WriteLine($"recommendation: {report.Recommendation}");
        }));
        return command;
    }
}
