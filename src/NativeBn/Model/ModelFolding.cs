using NativeBn.Model.Nodes;
using NativeBn.Normalization;

namespace NativeBn.Model;

/// <summary>
/// Folds every BatchNorm that follows a dense layer into it, description to description (PyTorch
/// <c>torch.nn.utils.fusion.fuse_linear_bn_eval</c> semantics, computed in double; see <see cref="BatchNormFolding"/>).
/// The result is for inference only.
/// </summary>
public static class ModelFolding
{
    /// <summary>
    /// A copy of <paramref name="model"/> where each BatchNorm whose input comes from a dense layer (possibly through
    /// dropout, the identity at inference) is folded into that layer with its population statistics where it has them,
    /// its running statistics otherwise. The folded layer keeps the dense layer's name (or the BatchNorm's when that is
    /// a graph output); nodes that read the BatchNorm read the folded layer; the dropout between them goes. A BatchNorm
    /// that does not follow a dense layer, or whose dense layer's output is also read elsewhere, stays as it is.
    /// </summary>
    public static ModelDescription Fold(ModelDescription model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var consumers = model.Nodes.SelectMany(n => n.Inputs).Concat(model.Outputs)
            .GroupBy(name => name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var replaced = new Dictionary<string, ModelNode?>(StringComparer.Ordinal);
        var renamed = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (BatchNormNode batchNorm in model.BatchNorms)
        {
            var between = new List<ModelNode>();
            ModelNode? source = model.Producer(batchNorm.Inputs[0]);
            while (source is DropoutNode && consumers[source.Name] == 1)
            {
                between.Add(source);
                source = model.Producer(source.Inputs[0]);
            }

            if (source is not DenseNode dense || consumers[dense.Name] != 1 || replaced.ContainsKey(dense.Name))
            {
                continue;
            }

            NormalizationStatistics statistics = batchNorm.Population is null ? NormalizationStatistics.Running : NormalizationStatistics.Population;
            (var mean, var variance) = batchNorm.Statistics(statistics);
            var weight = new float[dense.Weight.Length];
            var bias = new float[dense.Bias.Length];
            BatchNormFolding.FoldIntoDense(dense.Weight.AsSpan(), dense.Bias.AsSpan(), dense.InputFeatures, batchNorm.Gamma.AsSpan(),
                batchNorm.Beta.AsSpan(), mean.AsSpan(), variance.AsSpan(), batchNorm.Options.Conventions.Epsilon, weight, bias);
            bool isOutput = model.Outputs.Contains(batchNorm.Name);
            string name = isOutput ? batchNorm.Name : dense.Name;
            replaced[dense.Name] = isOutput ? null : new DenseNode(name, dense.Inputs[0], dense.InputFeatures, dense.OutputFeatures, weight, bias);
            replaced[batchNorm.Name] = isOutput ? new DenseNode(name, dense.Inputs[0], dense.InputFeatures, dense.OutputFeatures, weight, bias) : null;
            renamed[batchNorm.Name] = name;
            foreach (ModelNode dropout in between)
            {
                replaced[dropout.Name] = null;
            }
        }

        var nodes = new List<ModelNode>();
        foreach (ModelNode node in model.Nodes)
        {
            if (replaced.TryGetValue(node.Name, out ModelNode? replacement))
            {
                if (replacement is not null)
                {
                    nodes.Add(replacement);
                }

                continue;
            }

            nodes.Add(node.Inputs.Any(renamed.ContainsKey) ? node.WithInputs(node.Inputs.Select(i => renamed.GetValueOrDefault(i, i))) : node);
        }

        return new ModelDescription(model.Inputs, nodes, model.Outputs);
    }
}
