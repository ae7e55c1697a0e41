using NativeBn.Normalization;

namespace NativeBn.Network;

/// <summary>Turns a trained model into an inference-only model with every BatchNorm that follows a dense layer folded into it.</summary>
public static class ModelFolding
{
    /// <summary>
    /// A new model where each dense layer followed (possibly after dropout) by a BatchNorm carries the folded weights
    /// <c>W' = W·scale</c>, <c>b' = (b - mean)·scale + beta</c> and the BatchNorm is gone; population statistics are used
    /// where a layer has them, running statistics otherwise. Dropout is dropped (identity at inference). A BatchNorm
    /// without a dense layer before it is kept as is.
    /// </summary>
    public static Sequential Fold(Sequential model, int maxBatch = 256)
    {
        ArgumentNullException.ThrowIfNull(model);
        var builder = new SequentialBuilder(model.InputWidth, seed: 0);
        var setters = new List<Action<Layer>>();
        IReadOnlyList<Layer> layers = model.Layers;
        for (int i = 0; i < layers.Count; i++)
        {
            switch (layers[i])
            {
                case DenseLayer dense:
                    float[] weight = dense.Weight.ToArray(), bias = dense.Bias.ToArray();
                    int next = i + 1;
                    while (next < layers.Count && layers[next] is DropoutLayer)
                    {
                        next++;
                    }

                    if (next < layers.Count && layers[next] is BatchNormLayer { BatchNorm: var batchNorm })
                    {
                        NormalizationStatistics statistics = batchNorm.HasPopulationStatistics ? NormalizationStatistics.Population : NormalizationStatistics.Running;
                        BatchNormFolding.FoldIntoDense(weight, bias, dense.InputWidth, batchNorm, statistics, weight, bias);
                        i = next;
                    }

                    builder.Dense(dense.OutputWidth);
                    setters.Add(layer => ((DenseLayer)layer).SetParameters(weight, bias));
                    break;
                case BatchNormLayer kept:
                    BatchNorm source = kept.BatchNorm;
                    builder.BatchNorm(source.Options);
                    setters.Add(layer => CopyBatchNorm(source, ((BatchNormLayer)layer).BatchNorm));
                    break;
                case ReluLayer:
                    builder.Relu();
                    setters.Add(_ => { });
                    break;
            }
        }

        Sequential folded = builder.Build(maxBatch);
        for (int i = 0; i < setters.Count; i++)
        {
            setters[i](folded.Layers[i]);
        }

        return folded;
    }

    private static void CopyBatchNorm(BatchNorm source, BatchNorm target)
    {
        target.SetParameters(source.Gamma, source.Beta);
        target.SetRunningStatistics(source.RunningMean, source.RunningVariance, source.BatchesTracked);
        if (source.HasPopulationStatistics)
        {
            target.SetPopulationStatistics(source.PopulationMean, source.PopulationVariance, source.PopulationCount);
        }
    }
}
