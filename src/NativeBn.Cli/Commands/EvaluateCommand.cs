using System.CommandLine;
using System.Globalization;
using NativeBn.Interop;
using NativeBn.Network;

namespace NativeBn.Cli.Commands;

/// <summary>
/// <c>nativebn evaluate</c>: accuracy of a model under each inference regime, for any model it can load. The
/// batch-statistics regimes normalize single values anyway whatever the model's policy (they reproduce the symptom
/// of a model left in training mode).
/// </summary>
internal static class EvaluateCommand
{
    public static Command Create(CliContext context)
    {
        var data = new DataOptions();
        var model = CommonOptions.Model();
        var command = new Command("evaluate", "Accuracy of a model on the test data with batch statistics, running, population and folded statistics") { model };
        data.AddTo(command);
        command.SetAction(parse => Cli.Guard(context, () =>
        {
            var network = new Sequential(ModelFormats.Load(parse.GetValue(model)!.FullName));
            var (_, test, description) = data.Resolve(parse);
            if (test.Width != network.InputWidth)
            {
                throw new CliException($"The data has {test.Width} features per sample; the model takes {network.InputWidth}.");
            }

            context.Output.WriteLine($"data: {description}");
            bool population = network.BatchNormLayers.All(l => l.BatchNorm.HasPopulationStatistics);
            foreach (EvaluationRegime regime in EvaluationRegime.All)
            {
                if (regime == EvaluationRegime.Population && !population)
                {
                    context.Output.WriteLine("population       (none: run 'nativebn recalibrate')");
                    continue;
                }

                double accuracy = regime.Accuracy(network, test);
                context.Output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{regime.Name,-16} {accuracy * 100,6:F2} %   {regime.Meaning}"));
            }
        }));
        return command;
    }
}
