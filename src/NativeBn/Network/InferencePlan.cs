using NativeBn.Kernels;
using NativeBn.Normalization;

namespace NativeBn.Network;

/// <summary>
/// An immutable copy of a model for single-sample prediction in one regime: dense layers (with BatchNorm folded in
/// for <see cref="InferenceRegime.Folded"/>), BatchNorm as cached <c>x·scale + shift</c> fused with a following
/// ReLU, dropout removed, softmax at the end. <see cref="Predict"/> is thread-safe and, after a thread's first call,
/// allocation-free (each thread keeps its own scratch).
/// </summary>
public sealed class InferencePlan
{
    [ThreadStatic]
    private static float[]? t_first;

    [ThreadStatic]
    private static float[]? t_second;

    private readonly Step[] _steps;
    private readonly int _widest;

    private InferencePlan(int inputWidth, int outputWidth, Step[] steps, InferenceRegime regime, long modelVersion)
    {
        InputWidth = inputWidth;
        OutputWidth = outputWidth;
        _steps = steps;
        Regime = regime;
        ModelVersion = modelVersion;
        _widest = Math.Max(inputWidth, steps.Max(s => s.OutputWidth));
    }

    /// <summary>Features per sample.</summary>
    public int InputWidth { get; }

    /// <summary>Classes.</summary>
    public int OutputWidth { get; }

    /// <summary>The regime the plan was built for.</summary>
    public InferenceRegime Regime { get; }

    /// <summary>Number of arithmetic steps (dense layers, affine BatchNorms, standalone ReLUs).</summary>
    public int StepCount => _steps.Length;

    internal long ModelVersion { get; }

    /// <summary>Class probabilities of one sample.</summary>
    /// <param name="sample">Features, length <see cref="InputWidth"/>.</param>
    /// <param name="probabilities">Receives softmax probabilities, length <see cref="OutputWidth"/>.</param>
    public void Predict(ReadOnlySpan<float> sample, Span<float> probabilities)
    {
        Check.Length(sample.Length, InputWidth, nameof(sample), "features per sample");
        Check.Length(probabilities.Length, OutputWidth, nameof(probabilities), "classes");
        float[] first = t_first is { } a && a.Length >= _widest ? a : t_first = new float[_widest];
        float[] second = t_second is { } b && b.Length >= _widest ? b : t_second = new float[_widest];
        ReadOnlySpan<float> input = sample;
        Span<float> output = first;
        foreach (Step step in _steps)
        {
            output = output[..step.OutputWidth];
            step.Run(input, output);
            input = output;
            output = output.Overlaps(first) ? second : first;
        }

        SoftmaxCrossEntropy.Softmax(input, probabilities, OutputWidth);
    }

    internal static InferencePlan Build(Sequential model, InferenceRegime regime, long version)
    {
        var steps = new List<Step>();
        IReadOnlyList<Layer> layers = model.Layers;
        for (int i = 0; i < layers.Count; i++)
        {
            switch (layers[i])
            {
                case DenseLayer dense:
                    float[] weight = dense.Weight.ToArray(), bias = dense.Bias.ToArray();
                    int next = NextNonDropout(layers, i + 1);
                    if (regime == InferenceRegime.Folded && next < layers.Count && layers[next] is BatchNormLayer folded)
                    {
                        BatchNormFolding.FoldIntoDense(weight, bias, dense.InputWidth, folded.BatchNorm, StatisticsFor(folded, regime), weight, bias);
                        i = next;
                    }

                    bool denseRelu = FollowedByRelu(layers, ref i);
                    steps.Add(new DenseStep(weight, bias, dense.InputWidth, dense.OutputWidth, denseRelu));
                    break;
                case BatchNormLayer batchNorm:
                    var scale = new float[batchNorm.OutputWidth];
                    var shift = new float[batchNorm.OutputWidth];
                    batchNorm.BatchNorm.GetInferenceCoefficients(StatisticsFor(batchNorm, regime), scale, shift);
                    bool affineRelu = FollowedByRelu(layers, ref i);
                    steps.Add(new AffineStep(scale, shift, affineRelu));
                    break;
                case ReluLayer relu:
                    steps.Add(new ReluStep(relu.OutputWidth));
                    break;
            }
        }

        return new InferencePlan(model.InputWidth, model.OutputWidth, [.. steps], regime, version);
    }

    private static NormalizationStatistics StatisticsFor(BatchNormLayer layer, InferenceRegime regime) => regime switch
    {
        InferenceRegime.Population => NormalizationStatistics.Population,
        InferenceRegime.Folded when layer.BatchNorm.HasPopulationStatistics => NormalizationStatistics.Population,
        _ => NormalizationStatistics.Running,
    };

    private static int NextNonDropout(IReadOnlyList<Layer> layers, int index)
    {
        while (index < layers.Count && layers[index] is DropoutLayer)
        {
            index++;
        }

        return index;
    }

    /// <summary>True (and <paramref name="index"/> moved onto it) when the next non-dropout layer is a ReLU.</summary>
    private static bool FollowedByRelu(IReadOnlyList<Layer> layers, ref int index)
    {
        int next = NextNonDropout(layers, index + 1);
        if (next < layers.Count && layers[next] is ReluLayer)
        {
            index = next;
            return true;
        }

        return false;
    }

    private abstract class Step(int outputWidth)
    {
        public int OutputWidth { get; } = outputWidth;

        public abstract void Run(ReadOnlySpan<float> input, Span<float> output);
    }

    private sealed class DenseStep(float[] weight, float[] bias, int inputs, int outputs, bool relu) : Step(outputs)
    {
        public override void Run(ReadOnlySpan<float> input, Span<float> output)
        {
            DenseKernels.Forward(input, weight, bias, output, 1, inputs, OutputWidth);
            if (relu)
            {
                for (int i = 0; i < output.Length; i++)
                {
                    output[i] = MathF.Max(output[i], 0f);
                }
            }
        }
    }

    private sealed class AffineStep(float[] scale, float[] shift, bool relu) : Step(scale.Length)
    {
        public override void Run(ReadOnlySpan<float> input, Span<float> output) =>
            LayerKernels.AffineRows(input, scale, shift, output, 1, relu);
    }

    private sealed class ReluStep(int width) : Step(width)
    {
        public override void Run(ReadOnlySpan<float> input, Span<float> output)
        {
            for (int i = 0; i < output.Length; i++)
            {
                output[i] = MathF.Max(input[i], 0f);
            }
        }
    }
}
