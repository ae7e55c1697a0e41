using NativeBn.Data;
using NativeBn.Normalization;

namespace NativeBn.Network;

/// <summary>
/// Replaces the running averages of every BatchNorm layer with the exact population statistics of its input over a
/// data set. Layers are recalibrated in order: each layer's input is computed in inference mode (dropout off) with
/// the already recalibrated layers before it, exactly as it will be at prediction time. O(C) memory per layer.
/// </summary>
public static class PopulationRecalibration
{
    /// <summary>Recalibrates every BatchNorm layer of <paramref name="model"/> over <paramref name="data"/>.</summary>
    public static void Run(Sequential model, Dataset data, IProgress<double>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        if (data.Width != model.InputWidth)
        {
            throw new ArgumentException($"data has {data.Width} features per sample; the model takes {model.InputWidth}.", nameof(data));
        }

        int[] batchNormIndices = [.. Enumerable.Range(0, model.Layers.Count).Where(i => model.Layers[i] is BatchNormLayer)];
        for (int k = 0; k < batchNormIndices.Length; k++)
        {
            var layer = (BatchNormLayer)model.Layers[batchNormIndices[k]];
            PopulationStatistics statistics = Collect(model, batchNormIndices[k], data);
            layer.BatchNorm.SetPopulationStatistics(statistics);
            progress?.Report((k + 1.0) / batchNormIndices.Length);
        }
    }

    /// <summary>The population statistics of the input of layer <paramref name="layerIndex"/> over the data set.</summary>
    public static PopulationStatistics Collect(Sequential model, int layerIndex, Dataset data)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        int width = model.Layers[layerIndex].InputWidth;
        var statistics = new PopulationStatistics(width);
        for (int start = 0; start < data.Count; start += model.MaxBatch)
        {
            int count = Math.Min(model.MaxBatch, data.Count - start);
            statistics.Add(model.InputOf(layerIndex, data.Rows(start, count), count), TensorShape.Features(count, width));
        }

        return statistics;
    }
}
