using System.CommandLine;
using System.Globalization;
using NativeBn.Data;
using NativeBn.Interop;
using NativeBn.Model;
using NativeBn.Network;

namespace NativeBn.Cli.Commands;

/// <summary>
/// <c>nativebn evaluate</c>: accuracy of a model under each inference regime, for any model it can load. The
/// batch-statistics regimes normalize single values anyway whatever the model's policy (they reproduce the symptom
/// of a model left in training mode); they run the model as a trainable network (any graph <see cref="Sequential"/>
/// holds, dense or convolutional), and a model it cannot hold is evaluated in the stored-statistics regimes only.
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
            ModelDescription description = ModelFormats.Load(parse.GetValue(model)!.FullName);
            ResolvedData resolved = data.Resolve(parse);
            resolved.RequireInput(description.Input.Shape);
            context.Output.WriteLine($"data: {resolved.Description}");
            Sequential? network = Trainable(description, out string reason);
            bool population = description.BatchNorms.All(b => b.Population is not null);
            foreach (EvaluationRegime regime in EvaluationRegime.All)
            {
                if (regime == EvaluationRegime.Population && !population)
                {
                    context.Output.WriteLine("population       (none: run 'nativebn recalibrate')");
                    continue;
                }

                if (network is null && regime.BatchSize > 0)
                {
                    context.Output.WriteLine($"{regime.Name,-16} (not measured: {reason})");
                    continue;
                }

                double accuracy = network is null
                    ? Evaluation.Accuracy(InferencePlan.Build(description, regime.Regime), resolved.Test)
                    : regime.Accuracy(network, resolved.Test);
                context.Output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{regime.Name,-16} {accuracy * 100,6:F2} %   {regime.Meaning}"));
            }
        }));
        return command;
    }

    /// <summary>The model as a network that computes batch statistics, or null with the reason it cannot be one.</summary>
    private static Sequential? Trainable(ModelDescription model, out string reason)
    {
        reason = "";
        try
        {
            return new Sequential(model, maxBatch: EvaluationRegime.All.Max(r => r.BatchSize));
        }
        catch (Exception e) when (e is ArgumentException or InsufficientMemoryException)
        {
            reason = e.Message;
            return null;
        }
    }
}
