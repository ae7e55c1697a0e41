using System.CommandLine;
using System.Globalization;
using NativeBn.Interop;
using NativeBn.Network;
using NativeBn.Serialization;

namespace NativeBn.Cli.Commands;

/// <summary><c>nativebn evaluate</c>: accuracy of a saved model under each inference regime.</summary>
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
            var rows = new List<(string, InferenceRegime, int)>
            {
                ("batch-stats-n1", InferenceRegime.BatchStatistics, 1),
                ("batch-stats-n32", InferenceRegime.BatchStatistics, 32),
                ("running", InferenceRegime.Running, network.MaxBatch),
            };
            if (population)
            {
                rows.Add(("population", InferenceRegime.Population, network.MaxBatch));
            }

            rows.Add(("folded", InferenceRegime.Folded, network.MaxBatch));
            foreach ((string name, InferenceRegime regime, int batch) in rows)
            {
                double accuracy = Evaluation.Accuracy(network, test, regime, Math.Min(batch, network.MaxBatch));
                context.Output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-16} {accuracy * 100,6:F2} %"));
            }

            if (!population)
            {
                context.Output.WriteLine("population       (none: run 'nativebn recalibrate')");
            }
        }));
        return command;
    }
}
