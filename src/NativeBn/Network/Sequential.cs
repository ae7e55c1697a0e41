using NativeBn.Normalization;

namespace NativeBn.Network;

/// <summary>
/// A feed-forward classifier: layers applied in order to feature batches <c>[N, InputWidth]</c>, ending in logits
/// <c>[N, OutputWidth]</c> for softmax cross-entropy. Every buffer is planned for <see cref="MaxBatch"/> at
/// construction, so a training step allocates nothing; <see cref="Predict"/> runs an immutable
/// <see cref="InferencePlan"/> and is safe from many threads at once. Build one with <see cref="SequentialBuilder"/>.
/// </summary>
public sealed class Sequential
{
    private readonly Layer[] _layers;
    private readonly float[][] _outputs;
    private readonly float[] _gradientA;
    private readonly float[] _gradientB;
    private readonly Parameter[] _parameters;
    private readonly InferencePlan?[] _plans = new InferencePlan?[4];
    private readonly Lock _planLock = new();

    internal Sequential(int inputWidth, Layer[] layers, int maxBatch)
    {
        InputWidth = inputWidth;
        _layers = layers;
        MaxBatch = maxBatch;
        _outputs = [.. layers.Select(l => new float[maxBatch * l.OutputWidth])];
        int widest = Math.Max(inputWidth, layers.Max(l => l.OutputWidth));
        _gradientA = new float[maxBatch * widest];
        _gradientB = new float[maxBatch * widest];
        _parameters = [.. layers.SelectMany(l => l.Parameters)];
    }

    /// <summary>Features per sample.</summary>
    public int InputWidth { get; }

    /// <summary>Classes (logits per sample).</summary>
    public int OutputWidth => _layers[^1].OutputWidth;

    /// <summary>Largest batch a training step or batched forward pass accepts.</summary>
    public int MaxBatch { get; }

    /// <summary>The layers in order.</summary>
    public IReadOnlyList<Layer> Layers => _layers;

    /// <summary>Every trainable parameter, layer by layer.</summary>
    public IReadOnlyList<Parameter> Parameters => _parameters;

    /// <summary>The BatchNorm layers in order.</summary>
    public IEnumerable<BatchNormLayer> BatchNormLayers => _layers.OfType<BatchNormLayer>();

    /// <summary>Changes whenever parameters or statistics change (cached inference plans compare it).</summary>
    public long Version
    {
        get
        {
            long version = 0;
            foreach (Layer layer in _layers)
            {
                version += layer.Version;
            }

            return version;
        }
    }

    /// <summary>
    /// One training step on a batch: forward with batch statistics (BatchNorm running statistics updated, dropout on),
    /// softmax cross-entropy, backward, and an optimizer update.
    /// </summary>
    /// <param name="x">Features <c>[N, InputWidth]</c>, N = <c>labels.Length</c> ≤ <see cref="MaxBatch"/>.</param>
    /// <param name="labels">Class of each sample, in [0, <see cref="OutputWidth"/>).</param>
    /// <param name="optimizer">Applies the update.</param>
    /// <returns>The batch's mean loss before the update.</returns>
    public float TrainStep(ReadOnlySpan<float> x, ReadOnlySpan<int> labels, IOptimizer optimizer) =>
        TrainStep(x, labels, optimizer, labels.Length);

    /// <summary>
    /// One training step on this process's share of a batch of <paramref name="globalBatch"/> samples split across
    /// processes (data-parallel training): the loss gradient is scaled by <c>1/globalBatch</c>, so the parameter
    /// gradients are this share's part of the whole batch's gradient; an optimizer that sums them across processes
    /// (see NativeBn.Mpi) then applies the whole batch's update.
    /// </summary>
    /// <param name="x">Features <c>[N, InputWidth]</c> of this share, N = <c>labels.Length</c> ≤ <see cref="MaxBatch"/>.</param>
    /// <param name="labels">Class of each sample of this share.</param>
    /// <param name="optimizer">Applies the update.</param>
    /// <param name="globalBatch">Samples in the whole batch, at least <c>labels.Length</c>.</param>
    /// <returns>This share's mean loss before the update.</returns>
    public float TrainStep(ReadOnlySpan<float> x, ReadOnlySpan<int> labels, IOptimizer optimizer, int globalBatch)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        int batch = labels.Length;
        if (globalBatch < batch)
        {
            throw new ArgumentOutOfRangeException(nameof(globalBatch), globalBatch, $"globalBatch must be at least the {batch} samples of this share, got {globalBatch}.");
        }

        CheckBatch(x, batch, nameof(labels));
        foreach (int label in labels)
        {
            if ((uint)label >= (uint)OutputWidth)
            {
                throw new ArgumentOutOfRangeException(nameof(labels), label, $"labels hold {label}; labels must be in [0, {OutputWidth}).");
            }
        }

        Run(x, batch, Pass.Train);
        float loss = SoftmaxCrossEntropy.LossAndGradient(Logits(batch), labels, OutputWidth, _gradientA, globalBatch);
        Span<float> outputGradient = _gradientA, inputGradient = _gradientB;
        for (int i = _layers.Length - 1; i >= 0; i--)
        {
            Layer layer = _layers[i];
            ReadOnlySpan<float> input = i == 0 ? x : _outputs[i - 1].AsSpan(0, batch * layer.InputWidth);
            Span<float> gradient = i == 0 ? [] : inputGradient[..(batch * layer.InputWidth)];
            layer.Backward(input, _outputs[i].AsSpan(0, batch * layer.OutputWidth), outputGradient[..(batch * layer.OutputWidth)], gradient, batch);
            Span<float> swap = outputGradient;
            outputGradient = inputGradient;
            inputGradient = swap;
        }

        optimizer.Step(_parameters);
        return loss;
    }

    /// <summary>
    /// Logits for a batch in an inference regime, through the model's planned buffers (not thread-safe; for
    /// evaluation). <see cref="InferenceRegime.BatchStatistics"/> normalizes with this batch's statistics.
    /// </summary>
    public void Forward(ReadOnlySpan<float> x, int batch, InferenceRegime regime, Span<float> logits)
    {
        CheckBatch(x, batch, nameof(batch));
        Check.Length(logits.Length, (long)batch * OutputWidth, nameof(logits), TensorShape.Features(batch, OutputWidth));
        Run(x, batch, new Pass(false, regime));
        Logits(batch).CopyTo(logits);
    }

    /// <summary>
    /// The input that layer <paramref name="layerIndex"/> receives for a batch in inference (regime
    /// <see cref="InferenceRegime.Population"/> for BatchNorm layers before it that have population statistics,
    /// running statistics otherwise; dropout off). Valid until the next call on this model.
    /// </summary>
    internal ReadOnlySpan<float> InputOf(int layerIndex, ReadOnlySpan<float> x, int batch)
    {
        CheckBatch(x, batch, nameof(batch));
        ReadOnlySpan<float> input = x;
        for (int i = 0; i < layerIndex; i++)
        {
            Layer layer = _layers[i];
            InferenceRegime regime = layer is BatchNormLayer { BatchNorm.HasPopulationStatistics: true }
                ? InferenceRegime.Population : InferenceRegime.Running;
            Span<float> output = _outputs[i].AsSpan(0, batch * layer.OutputWidth);
            layer.Forward(input, output, batch, new Pass(false, regime));
            input = output;
        }

        return input;
    }

    /// <summary>
    /// Class probabilities of one sample. Thread-safe: runs the cached immutable plan for the regime (rebuilt after
    /// parameters or statistics change) with per-thread scratch, so concurrent calls allocate nothing in steady state.
    /// </summary>
    /// <param name="sample">Features, length <see cref="InputWidth"/>.</param>
    /// <param name="probabilities">Receives softmax probabilities, length <see cref="OutputWidth"/>.</param>
    /// <param name="regime">Running, Population or Folded (batch statistics need a batch; use <see cref="Forward"/>).</param>
    public void Predict(ReadOnlySpan<float> sample, Span<float> probabilities, InferenceRegime regime = InferenceRegime.Running) =>
        GetPlan(regime).Predict(sample, probabilities);

    /// <summary>The immutable inference plan for a regime, cached until parameters or statistics change.</summary>
    public InferencePlan GetPlan(InferenceRegime regime)
    {
        if (regime is < InferenceRegime.Running or > InferenceRegime.Folded)
        {
            throw new ArgumentOutOfRangeException(nameof(regime), regime, "Plans exist for Running, Population and Folded regimes.");
        }

        long version = Version;
        InferencePlan? plan = Volatile.Read(ref _plans[(int)regime]);
        if (plan is not null && plan.ModelVersion == version)
        {
            return plan;
        }

        lock (_planLock)
        {
            plan = _plans[(int)regime];
            if (plan is null || plan.ModelVersion != version)
            {
                plan = InferencePlan.Build(this, regime, version);
                Volatile.Write(ref _plans[(int)regime], plan);
            }

            return plan;
        }
    }

    private void Run(ReadOnlySpan<float> x, int batch, Pass pass)
    {
        ReadOnlySpan<float> input = x;
        for (int i = 0; i < _layers.Length; i++)
        {
            Layer layer = _layers[i];
            Span<float> output = _outputs[i].AsSpan(0, batch * layer.OutputWidth);
            layer.Forward(input, output, batch, pass);
            input = output;
        }
    }

    private ReadOnlySpan<float> Logits(int batch) => _outputs[^1].AsSpan(0, batch * OutputWidth);

    private void CheckBatch(ReadOnlySpan<float> x, int batch, string batchName)
    {
        if (batch < 1 || batch > MaxBatch)
        {
            throw new ArgumentOutOfRangeException(batchName, batch, $"The batch holds {batch} samples; this model takes 1 to {MaxBatch}.");
        }

        Check.Length(x.Length, (long)batch * InputWidth, nameof(x), TensorShape.Features(batch, InputWidth));
    }
}
