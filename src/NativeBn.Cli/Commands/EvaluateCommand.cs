using System.CommandLine;
using System.Globalization;
using NativeBn.Data;
using NativeBn.Interop;
using NativeBn.Model;
using NativeBn.Model.Nodes;
using NativeBn.Network;

namespace NativeBn.Cli.Commands;

/// <summary>
/// <c>nativebn evaluate</c>: accuracy of a model under each inference regime, for any model it can load. The
/// batch-statistics regimes normalize single values anyway whatever the model's policy (they reproduce the symptom
/// of a model left in training mode); they need a trainable chain of dense layers, so a convolutional graph is
/// evaluated in the stored-statistics regimes only.
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
            Sequential? network = IsTrainableChain(description) ? new Sequential(description) : null;
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
                    context.Output.WriteLine($"{regime.Name,-16} (not measured: batch statistics need a chain of dense layers from [N, features])");
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

    /// <summary>True for the models <see cref="Sequential"/> trains: a chain from <c>[N, features]</c> of the node kinds it computes.</summary>
    private static bool IsTrainableChain(ModelDescription model) =>
        model.IsChain && model.Input.Shape.Rank == 2
        && model.Nodes.All(n => n is DenseNode or BatchNormNode or ReluNode or DropoutNode or IdentityNode or FlattenNode or SoftmaxNode);
}
