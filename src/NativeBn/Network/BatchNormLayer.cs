using NativeBn.Model;
using NativeBn.Model.Nodes;
using NativeBn.Normalization;

namespace NativeBn.Network;

/// <summary>
/// A <see cref="Normalization.BatchNorm"/> over the features of <c>[N, C]</c> or the channels of <c>[N, C, H, W]</c> inside a model. Training steps normalize with batch
/// statistics, update the running statistics and train gamma and beta; predictions use the model's regime.
/// </summary>
public sealed class BatchNormLayer : Layer
{
    private readonly BatchNormParameter _gamma;
    private readonly BatchNormParameter _beta;
    private readonly int _plane;

    internal BatchNormLayer(string name, BatchNorm engine, int plane = 1)
        : base(name, checked(engine.Channels * plane), checked(engine.Channels * plane))
    {
        BatchNorm = engine;
        _plane = plane;
        _gamma = new BatchNormParameter($"{name}.weight", BatchNorm, gamma: true);
        _beta = new BatchNormParameter($"{name}.bias", BatchNorm, gamma: false);
    }

    /// <inheritdoc />
    public override LayerKind Kind => LayerKind.BatchNorm;

    /// <summary>The engine layer: parameters, running and population statistics, conventions.</summary>
    public BatchNorm BatchNorm { get; }

    /// <inheritdoc />
    public override IReadOnlyList<Parameter> Parameters => [_gamma, _beta];

    internal override long Version => BatchNorm.Version;

    /// <summary>
    /// How training steps run this layer (default <see cref="BatchNormMode.Training"/>: batch statistics, running
    /// statistics updated, gamma and beta trained). <see cref="BatchNormMode.FrozenStatistics"/> fine-tunes with the
    /// stored statistics, as PyTorch's <c>.eval()</c> BatchNorm inside a training model and Keras' frozen layers do.
    /// </summary>
    public BatchNormMode TrainingMode { get; set; } = BatchNormMode.Training;

    /// <summary>What the last training forward pass did to the running statistics.</summary>
    public BatchNormForwardResult LastTrainingResult { get; private set; }

    internal override ModelNode ToNode(string input) => BatchNormNode.FromEngine(Name, input, BatchNorm);

    internal override void Forward(ReadOnlySpan<float> input, Span<float> output, int batch, Pass pass)
    {
        TensorShape shape = Shape(batch);
        if (pass.Training)
        {
            LastTrainingResult = BatchNorm.Forward(input, shape, output, TrainingMode);
            return;
        }

        switch (pass.Regime)
        {
            case InferenceRegime.BatchStatistics:
                BatchNorm.Forward(input, shape, output, new BatchNormMode(NormalizationStatistics.Batch, false, false) { SingleValue = pass.SingleValue });
                break;
            case InferenceRegime.Population:
                BatchNorm.Infer(input, shape, output, NormalizationStatistics.Population);
                break;
            case InferenceRegime.Folded when BatchNorm.HasPopulationStatistics:
                BatchNorm.Infer(input, shape, output, NormalizationStatistics.Population);
                break;
            default:
                BatchNorm.Infer(input, shape, output, NormalizationStatistics.Running);
                break;
        }
    }

    internal override void Backward(
        ReadOnlySpan<float> input, ReadOnlySpan<float> output, ReadOnlySpan<float> outputGradient, Span<float> inputGradient, int batch) =>
        BatchNorm.Backward(input, outputGradient, Shape(batch), inputGradient);

    /// <summary>The layer's input as the engine sees it: <c>[N, C]</c>, or <c>[N, C, 1, H·W]</c> for images.</summary>
    internal TensorShape Shape(int batch) =>
        _plane == 1 ? TensorShape.Features(batch, BatchNorm.Channels) : TensorShape.ChannelsFirst(batch, BatchNorm.Channels, 1, _plane);

    /// <summary>Gamma or beta of the engine layer as an optimizer parameter.</summary>
    private sealed class BatchNormParameter(string name, BatchNorm batchNorm, bool gamma) : Parameter
    {
        public override string Name => name;

        public override int Length => batchNorm.Channels;

        public override ReadOnlySpan<float> Gradient => gamma ? batchNorm.GammaGradient : batchNorm.BetaGradient;

        public override Span<float> Values() => gamma ? batchNorm.WritableGamma() : batchNorm.WritableBeta();
    }
}
