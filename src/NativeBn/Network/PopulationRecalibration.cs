using NativeBn.Data;
using NativeBn.Model;
using NativeBn.Model.Nodes;
using NativeBn.Normalization;

namespace NativeBn.Network;

/// <summary>
/// Replaces the running averages of every BatchNorm layer with the exact population statistics of its input over a
/// data set. Layers are recalibrated in order: each layer's input is computed in inference mode (dropout off) with
/// the already recalibrated layers before it, exactly as it will be at prediction time. O(C) memory per layer.
/// </summary>
public static class PopulationRecalibration
{
    /// <summary>
    /// <paramref name="model"/> with exact population statistics in every BatchNorm node, collected over
    /// <paramref name="data"/> (rows of the input's values per sample, <c>C·H·W</c> for images) in graph order; everything
    /// else unchanged. Each node's input is computed sample by sample with an inference plan of the part of the graph
    /// before it, the BatchNorm nodes there already recalibrated: one pass over the data per node, O(C) memory each.
    /// </summary>
    /// <exception cref="InvalidOperationException">The model has no BatchNorm node (see <see cref="NoBatchNorm"/>).</exception>
    public static ModelDescription Run(ModelDescription model, Dataset data, IProgress<double>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        string[] names = [.. model.BatchNorms.Select(b => b.Name)];
        if (names.Length == 0)
        {
            throw new InvalidOperationException(NoBatchNorm);
        }

        long width = model.Input.Shape.ValuesPerSample;
        if (data.Width != width)
        {
            throw new ArgumentException($"data has {data.Width} values per sample; the model's input {model.Input.Shape} takes {width}.", nameof(data));
        }

        ModelDescription current = model;
        for (int k = 0; k < names.Length; k++)
        {
            var batchNorm = (BatchNormNode)current.Producer(names[k])!;
            PopulationMoments moments = Collect(current.Upstream(batchNorm.Inputs[0]), batchNorm.Channels, data);
            current = current.WithNodes(n => n.Name == batchNorm.Name ? batchNorm.WithPopulation(moments) : n);
            progress?.Report((k + 1.0) / names.Length);
        }

        return current;
    }

    /// <summary>Mean and biased variance per channel of <paramref name="upstream"/>'s output over the data set.</summary>
    private static PopulationMoments Collect(ModelDescription upstream, int channels, Dataset data)
    {
        const int Chunk = 64;
        InferencePlan plan = InferencePlan.Build(upstream, InferenceRegime.Population);
        int values = plan.OutputWidth;
        var statistics = new PopulationStatistics(channels);
        var rows = new float[checked(Math.Min(Chunk, data.Count) * values)];
        for (int start = 0; start < data.Count; start += Chunk)
        {
            int count = Math.Min(Chunk, data.Count - start);
            for (int i = 0; i < count; i++)
            {
                plan.Predict(data.Sample(start + i), rows.AsSpan(i * values, values));
            }

            statistics.Add(rows.AsSpan(0, count * values), TensorShape.ChannelsFirst(count, channels, 1, values / channels));
        }

        var variance = new double[channels];
        statistics.CopyVariance(variance, RunningVarianceConvention.Biased);
        return new PopulationMoments(statistics.Mean, variance, statistics.Count);
    }

    /// <summary>What to tell a user whose model has no BatchNorm left to recalibrate or diagnose.</summary>
    public const string NoBatchNorm =
        "The model has no BatchNorm layer: it was folded into the layer before it (by 'nativebn fold', or by an exporter: " +
        "PyTorch's torch.onnx.export in eval mode folds it), so there are no statistics to recalibrate or compare. " +
        "Recalibrate the unfolded model, or export with training=torch.onnx.TrainingMode.PRESERVE to keep BatchNormalization nodes.";

    /// <summary>Recalibrates every BatchNorm layer of <paramref name="model"/> over <paramref name="data"/>.</summary>
    public static void Run(Sequential model, Dataset data, IProgress<double>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        if (data.Width != model.InputWidth)
        {
            throw new ArgumentException($"data has {data.Width} values per sample; the model's input {model.InputShape} takes {model.InputWidth}.", nameof(data));
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

    /// <summary>
    /// The population statistics of the input of layer <paramref name="layerIndex"/> over the data set: per channel for
    /// a BatchNorm layer (per feature, or per channel of <c>[N, C, H, W]</c>), per input value for any other layer.
    /// </summary>
    public static PopulationStatistics Collect(Sequential model, int layerIndex, Dataset data)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        Layer layer = model.Layers[layerIndex];
        var statistics = new PopulationStatistics(layer is BatchNormLayer batchNorm ? batchNorm.BatchNorm.Channels : layer.InputWidth);
        for (int start = 0; start < data.Count; start += model.MaxBatch)
        {
            int count = Math.Min(model.MaxBatch, data.Count - start);
            TensorShape shape = layer is BatchNormLayer b ? b.Shape(count) : TensorShape.Features(count, layer.InputWidth);
            statistics.Add(model.InputOf(layerIndex, data.Rows(start, count), count), shape);
        }

        return statistics;
    }
}
