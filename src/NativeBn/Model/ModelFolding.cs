using System.Collections.Immutable;
using NativeBn.Model.Nodes;
using NativeBn.Normalization;

namespace NativeBn.Model;

/// <summary>
/// Folds every BatchNorm that follows a dense layer or a convolution into it, description to description (PyTorch
/// <c>torch.nn.utils.fusion.fuse_linear_bn_eval</c> and <c>fuse_conv_bn_eval</c> semantics, computed in double; see
/// <see cref="BatchNormFolding"/>): per output channel o, <c>W'[o] = W[o]·scale[o]</c> and
/// <c>b'[o] = (b[o] - mean[o])·scale[o] + beta[o]</c>, with a convolution without bias taking b = 0. The result is for
/// inference only.
/// </summary>
public static class ModelFolding
{
    /// <summary>
    /// A copy of <paramref name="model"/> where each BatchNorm whose input comes from a dense layer or a convolution
    /// (possibly through dropout, the identity at inference) is folded into that layer with its population statistics
    /// where it has them, its running statistics otherwise. The folded layer keeps its own name (or the BatchNorm's when
    /// that is a graph output); nodes that read the BatchNorm read the folded layer; the dropout between them goes. A
    /// BatchNorm that follows neither, or whose layer's output is also read elsewhere, stays as it is.
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

            if (source is not (DenseNode or Conv2dNode) || consumers[source.Name] != 1 || replaced.ContainsKey(source.Name))
            {
                continue;
            }

            NormalizationStatistics statistics = batchNorm.Population is null ? NormalizationStatistics.Running : NormalizationStatistics.Population;
            (var mean, var variance) = batchNorm.Statistics(statistics);
            (ImmutableArray<float> oldWeight, ImmutableArray<float> oldBias) = source switch
            {
                DenseNode d => (d.Weight, d.Bias),
                _ => (((Conv2dNode)source).Weight, ((Conv2dNode)source).Bias),
            };
            var weight = new float[oldWeight.Length];
            var bias = new float[oldBias.Length];
            BatchNormFolding.FoldIntoDense(oldWeight.AsSpan(), oldBias.AsSpan(), oldWeight.Length / oldBias.Length, batchNorm.Gamma.AsSpan(),
                batchNorm.Beta.AsSpan(), mean.AsSpan(), variance.AsSpan(), batchNorm.Options.Conventions.Epsilon, weight, bias);
            bool isOutput = model.Outputs.Contains(batchNorm.Name);
            string name = isOutput ? batchNorm.Name : source.Name;
            ModelNode folded = source switch
            {
                DenseNode d => new DenseNode(name, d.Inputs[0], d.InputFeatures, d.OutputFeatures, weight, bias),
                _ => ((Conv2dNode)source).WithWeights(name, weight, bias),
            };
            replaced[source.Name] = isOutput ? null : folded;
            replaced[batchNorm.Name] = isOutput ? folded : null;
            renamed[batchNorm.Name] = name;
            foreach (ModelNode dropout in between)
            {
                replaced[dropout.Name] = null;
            }
        }

        var nodes = new List<ModelNode>();
        foreach (ModelNode original in model.Nodes)
        {
            ModelNode? node = replaced.TryGetValue(original.Name, out ModelNode? replacement) ? replacement : original;
            if (node is not null)
            {
                nodes.Add(node.Inputs.Any(renamed.ContainsKey) ? node.WithInputs(node.Inputs.Select(i => renamed.GetValueOrDefault(i, i))) : node);
            }
        }

        return new ModelDescription(model.Inputs, nodes, model.Outputs);
    }
}
