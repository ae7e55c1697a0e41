using NativeBn.Model;
using NativeBn.Model.Nodes;
using NativeBn.Normalization;

namespace NativeBn.Tests.Reference;

/// <summary>
/// A model description evaluated for one sample in double precision, node by node, straight from each operator's
/// definition (nested loops over the output, every window position tested against the input's bounds). The oracle
/// for plans and kernels; nothing here shares code with the engine.
/// </summary>
internal static class ReferenceGraph
{
    /// <summary>The graph output for one sample; BatchNorm uses the given statistics (running or population).</summary>
    public static double[] Evaluate(ModelDescription model, ReadOnlySpan<float> sample, NormalizationStatistics statistics = NormalizationStatistics.Running) =>
        Run(model, [sample.ToArray()], new Dictionary<string, double[]>(), statistics)[0];

    /// <summary>
    /// The graph output for a batch as a training step computes it: BatchNorm normalizes with the batch's mean and
    /// biased variance over samples and positions; weights, biases, gamma and beta named <c>node.weight</c> and
    /// <c>node.bias</c> come from <paramref name="parameters"/> where present (so a test can perturb them in double).
    /// </summary>
    public static double[][] EvaluateBatch(ModelDescription model, float[][] samples, IReadOnlyDictionary<string, double[]> parameters) =>
        Run(model, samples, parameters, NormalizationStatistics.Batch);

    private static double[][] Run(ModelDescription model, float[][] samples, IReadOnlyDictionary<string, double[]> parameters, NormalizationStatistics statistics)
    {
        var values = new Dictionary<string, double[][]>(StringComparer.Ordinal)
        {
            [model.Input.Name] = [.. samples.Select(s => s.Select(v => (double)v).ToArray())],
        };
        foreach (ModelNode node in model.Nodes)
        {
            double[][] batch = values[node.Inputs[0]];
            int[] shape = Sizes(model.ShapeOf(node.Inputs[0]));
            double[] weight = parameters.GetValueOrDefault($"{node.Name}.weight") ?? node switch
            {
                DenseNode d => [.. d.Weight.Select(v => (double)v)],
                Conv2dNode c => [.. c.Weight.Select(v => (double)v)],
                BatchNormNode bn => [.. bn.Gamma.Select(v => (double)v)],
                _ => [],
            };
            double[] bias = parameters.GetValueOrDefault($"{node.Name}.bias") ?? node switch
            {
                DenseNode d => [.. d.Bias.Select(v => (double)v)],
                Conv2dNode c => [.. c.Bias.Select(v => (double)v)],
                BatchNormNode bn => [.. bn.Beta.Select(v => (double)v)],
                _ => [],
            };
            if (node is BatchNormNode batchNorm)
            {
                values[node.Name] = BatchNorm(batchNorm, batch, weight, bias, statistics);
                continue;
            }

            values[node.Name] = [.. batch.Select((x, n) => node switch
            {
                DenseNode d => Dense(d, x, weight, bias),
                ReluNode => [.. x.Select(v => Math.Max(0, v))],
                ClipNode c => [.. x.Select(v => Math.Min(Math.Max(v, c.Min), c.Max))],
                Conv2dNode c => Convolution(c, x, shape[1], shape[2], weight, bias),
                PoolNode p => Pool(p, x, shape[0], shape[1], shape[2]),
                GlobalAveragePoolNode => [.. Enumerable.Range(0, shape[0]).Select(c => x.Skip(c * shape[1] * shape[2]).Take(shape[1] * shape[2]).Average())],
                AddNode => [.. x.Zip(values[node.Inputs[1]][n], (a, b) => a + b)],
                SoftmaxNode => Softmax(x),
                DropoutNode or IdentityNode or FlattenNode => x,
                _ => throw new NotSupportedException(node.Kind),
            })];
        }

        return values[model.Output];
    }

    /// <summary>Per-sample sizes (the batch axis dropped).</summary>
    private static int[] Sizes(ShapeInfo shape) => [.. shape.Dimensions.Skip(1).Select(d => d.Size)];

    private static double[] Dense(DenseNode d, double[] x, double[] weight, double[] bias) => [.. Enumerable.Range(0, d.OutputFeatures).Select(o =>
        bias[o] + Enumerable.Range(0, d.InputFeatures).Sum(i => weight[o * d.InputFeatures + i] * x[i]))];

    /// <summary>Per channel over every sample and position: fixed statistics, or the batch's own (biased variance).</summary>
    private static double[][] BatchNorm(BatchNormNode bn, double[][] batch, double[] gamma, double[] beta, NormalizationStatistics statistics)
    {
        int spatial = batch[0].Length / bn.Channels;
        double[] mean, variance;
        if (statistics == NormalizationStatistics.Batch)
        {
            mean = new double[bn.Channels];
            variance = new double[bn.Channels];
            for (int c = 0; c < bn.Channels; c++)
            {
                double[] channel = [.. batch.SelectMany(x => x.Skip(c * spatial).Take(spatial))];
                mean[c] = channel.Average();
                variance[c] = channel.Sum(v => (v - mean[c]) * (v - mean[c])) / channel.Length;
            }
        }
        else
        {
            (var m, var v) = bn.Statistics(statistics);
            (mean, variance) = (m.ToArray(), v.ToArray());
        }

        return [.. batch.Select(x => x.Select((v, i) =>
        {
            int c = i / spatial;
            return gamma[c] * (v - mean[c]) / Math.Sqrt(variance[c] + bn.Options.Conventions.Epsilon) + beta[c];
        }).ToArray())];
    }

    private static double[] Convolution(Conv2dNode c, double[] x, int height, int width, double[] weights, double[] bias)
    {
        Window2d w = c.Window;
        int oh = Size(height, w.KernelHeight, w.StrideHeight, w.PadTop, w.PadBottom, w.DilationHeight, false);
        int ow = Size(width, w.KernelWidth, w.StrideWidth, w.PadLeft, w.PadRight, w.DilationWidth, false);
        int perGroup = c.InputChannels / c.Groups, outPerGroup = c.OutputChannels / c.Groups;
        var y = new double[c.OutputChannels * oh * ow];
        for (int m = 0; m < c.OutputChannels; m++)
        {
            int group = m / outPerGroup;
            for (int i = 0; i < oh; i++)
            {
                for (int j = 0; j < ow; j++)
                {
                    double sum = bias[m];
                    for (int ci = 0; ci < perGroup; ci++)
                    {
                        for (int r = 0; r < w.KernelHeight; r++)
                        {
                            for (int s = 0; s < w.KernelWidth; s++)
                            {
                                int h = i * w.StrideHeight - w.PadTop + r * w.DilationHeight;
                                int v = j * w.StrideWidth - w.PadLeft + s * w.DilationWidth;
                                if (h >= 0 && h < height && v >= 0 && v < width)
                                {
                                    double weight = weights[((m * perGroup + ci) * w.KernelHeight + r) * w.KernelWidth + s];
                                    sum += weight * x[((group * perGroup + ci) * height + h) * width + v];
                                }
                            }
                        }
                    }

                    y[(m * oh + i) * ow + j] = sum;
                }
            }
        }

        return y;
    }

    private static double[] Pool(PoolNode p, double[] x, int channels, int height, int width)
    {
        Window2d w = p.Window;
        int oh = Size(height, w.KernelHeight, w.StrideHeight, w.PadTop, w.PadBottom, w.DilationHeight, p.CeilMode);
        int ow = Size(width, w.KernelWidth, w.StrideWidth, w.PadLeft, w.PadRight, w.DilationWidth, p.CeilMode);
        var y = new double[channels * oh * ow];
        for (int c = 0; c < channels; c++)
        {
            for (int i = 0; i < oh; i++)
            {
                for (int j = 0; j < ow; j++)
                {
                    double max = double.NegativeInfinity, sum = 0;
                    int inside = 0, padded = 0;
                    for (int r = 0; r < w.KernelHeight; r++)
                    {
                        for (int s = 0; s < w.KernelWidth; s++)
                        {
                            int h = i * w.StrideHeight - w.PadTop + r * w.DilationHeight;
                            int v = j * w.StrideWidth - w.PadLeft + s * w.DilationWidth;
                            if (h < height + w.PadBottom && v < width + w.PadRight)
                            {
                                padded++;
                            }

                            if (h >= 0 && h < height && v >= 0 && v < width)
                            {
                                double value = x[(c * height + h) * width + v];
                                max = Math.Max(max, value);
                                sum += value;
                                inside++;
                            }
                        }
                    }

                    y[(c * oh + i) * ow + j] = p.Pool == PoolKind.Max ? max : sum / (p.CountIncludePad ? padded : inside);
                }
            }
        }

        return y;
    }

    /// <summary>Output size per axis; in ceil mode a last window starting past the input and its leading padding is dropped.</summary>
    private static int Size(int input, int kernel, int stride, int before, int after, int dilation, bool ceil)
    {
        double exact = (input + before + after - (dilation * (kernel - 1) + 1)) / (double)stride;
        int size = (int)(ceil ? Math.Ceiling(exact) : Math.Floor(exact)) + 1;
        return ceil && (size - 1) * stride >= input + before ? size - 1 : size;
    }

    private static double[] Softmax(double[] x)
    {
        double max = x.Max();
        double[] e = [.. x.Select(v => Math.Exp(v - max))];
        double total = e.Sum();
        return [.. e.Select(v => v / total)];
    }
}
