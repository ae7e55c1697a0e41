using NativeBn.Model;
using NativeBn.Model.Nodes;
using NativeBn.Normalization;

namespace NativeBn.Network;

/// <summary>
/// A trainable feed-forward classifier built from a chain-shaped <see cref="ModelDescription"/>: Dense, BatchNorm, ReLU,
/// Dropout, Identity and Flatten nodes on feature batches <c>[N, InputWidth]</c>, optionally ending in a Softmax node. Its
/// last layer gives logits <c>[N, OutputWidth]</c> for softmax cross-entropy; <see cref="Predict"/> gives the model's
/// output (probabilities where the description ends in Softmax, logits otherwise). Every buffer is planned for
/// <see cref="MaxBatch"/> at construction, so a training step allocates nothing; <see cref="Predict"/> runs an
/// immutable <see cref="InferencePlan"/> and is safe from many threads at once. <see cref="ToDescription"/> gives the
/// current state back as a description.
/// </summary>
public sealed class Sequential
{
    private readonly ModelDescription _template;
    private readonly Layer?[] _layerOfNode;
    private readonly Layer[] _layers;
    private readonly float[][] _outputs;
    private readonly float[] _gradientA;
    private readonly float[] _gradientB;
    private readonly Parameter[] _parameters;
    private readonly InferencePlan?[] _plans = new InferencePlan?[4];
    private readonly Lock _planLock = new();

    /// <summary>
    /// A trainable model in the state <paramref name="model"/> describes, with buffers for batches of up to
    /// <paramref name="maxBatch"/> samples.
    /// </summary>
    /// <param name="model">A chain from one <c>[N, features]</c> input (see <see cref="ModelDescription.IsChain"/>).</param>
    /// <param name="maxBatch">Largest batch a training step or batched forward pass accepts (at least 1).</param>
    /// <param name="seed">Seeds the dropout masks, so training is reproducible.</param>
    /// <param name="runOptions">Threads and synchronizer for every BatchNorm layer (their conventions and policies stay the model's).</param>
    public Sequential(ModelDescription model, int maxBatch = 256, int seed = 0, BatchNormOptions? runOptions = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (maxBatch < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(maxBatch), maxBatch, $"maxBatch must be at least 1, got {maxBatch}.");
        }

        ShapeInfo inputShape = model.Inputs.Length == 1 ? model.Inputs[0].Shape : ShapeInfo.Features(1);
        if (!model.IsChain || inputShape.Rank != 2 || !inputShape.IsBatched)
        {
            throw new ArgumentException(
                $"A trainable model is a chain of nodes from one [N, features] input; this one is {model}.", nameof(model));
        }

        long parameters = model.Nodes.OfType<DenseNode>().Sum(d => (long)d.Weight.Length + d.Bias.Length)
            + model.BatchNorms.Sum(b => 2L * b.Channels);
        long activations = model.Nodes.Sum(n => model.ShapeOf(n.Name).ValuesPerSample) + 2 * model.Nodes.Max(n => model.ShapeOf(n.Name).ValuesPerSample);
        MemoryLimits.RequireFloats(checked(4 * parameters + maxBatch * activations), $"Training this model with batches of {maxBatch}");
        _template = model;
        _layerOfNode = new Layer?[model.Nodes.Length];
        var layers = new List<Layer>();
        var random = new Random(seed);
        for (int i = 0; i < model.Nodes.Length; i++)
        {
            ModelNode node = model.Nodes[i];
            int width = (int)model.ShapeOf(node.Name).ValuesPerSample;
            Layer? layer = node switch
            {
                DenseNode dense => new DenseLayer(dense),
                BatchNormNode batchNorm => new BatchNormLayer(node.Name, batchNorm.CreateEngine(runOptions)),
                ReluNode => new ReluLayer(node.Name, width),
                DropoutNode dropout => new DropoutLayer(node.Name, width, dropout.Rate, random.Next(), maxBatch),
                IdentityNode or FlattenNode => null,
                SoftmaxNode when i == model.Nodes.Length - 1 => null,
                _ => throw new ArgumentException(
                    $"Node '{node.Name}' ({node.Kind}) cannot be trained here: a trainable model holds Dense, BatchNorm, Relu, Dropout, Identity and Flatten nodes and may end in Softmax.",
                    nameof(model)),
            };
            _layerOfNode[i] = layer;
            if (layer is not null)
            {
                layers.Add(layer);
            }
        }

        if (layers.Count == 0)
        {
            throw new ArgumentException("A trainable model needs at least one layer that computes something.", nameof(model));
        }

        InputWidth = inputShape[1];
        _layers = [.. layers];
        MaxBatch = maxBatch;
        _outputs = [.. _layers.Select(l => new float[checked(maxBatch * l.OutputWidth)])];
        int widest = Math.Max(InputWidth, _layers.Max(l => l.OutputWidth));
        _gradientA = new float[checked(maxBatch * widest)];
        _gradientB = new float[checked(maxBatch * widest)];
        _parameters = [.. _layers.SelectMany(l => l.Parameters)];
    }

    /// <summary>True when the model ends in Softmax: <see cref="Predict"/> gives class probabilities.</summary>
    public bool EndsInSoftmax => _template.EndsInSoftmax;

    /// <summary>The model's current state (weights, statistics) as a description, with the names it was built with.</summary>
    public ModelDescription ToDescription()
    {
        var nodes = new ModelNode[_template.Nodes.Length];
        for (int i = 0; i < nodes.Length; i++)
        {
            ModelNode node = _template.Nodes[i];
            nodes[i] = _layerOfNode[i] is DenseLayer or BatchNormLayer ? _layerOfNode[i]!.ToNode(node.Inputs[0]) : node;
        }

        return new ModelDescription(_template.Inputs, nodes, _template.Outputs);
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

        Check.Finite(x, nameof(x));
        try
        {
            Run(x, batch, Pass.Train);
        }
        catch (NonFiniteBatchException e)
        {
            throw new TrainingDivergedException("this step (inside the network)", e);
        }

        float loss = SoftmaxCrossEntropy.LossAndGradient(Logits(batch), labels, OutputWidth, _gradientA, globalBatch);
        if (!float.IsFinite(loss))
        {
            throw new TrainingDivergedException("this step (the loss)");
        }

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
    /// <param name="x">Features <c>[batch, InputWidth]</c>.</param>
    /// <param name="batch">Samples, 1 to <see cref="MaxBatch"/>.</param>
    /// <param name="regime">The statistics BatchNorm layers normalize with.</param>
    /// <param name="logits">Receives <c>[batch, OutputWidth]</c>.</param>
    /// <param name="singleValue">
    /// For <see cref="InferenceRegime.BatchStatistics"/>: what every BatchNorm layer does with one value per channel in
    /// this pass (null: each layer's own policy).
    /// </param>
    public void Forward(ReadOnlySpan<float> x, int batch, InferenceRegime regime, Span<float> logits, SingleValuePolicy? singleValue = null)
    {
        CheckBatch(x, batch, nameof(batch));
        Check.Length(logits.Length, (long)batch * OutputWidth, nameof(logits), TensorShape.Features(batch, OutputWidth));
        Run(x, batch, new Pass(false, regime, singleValue));
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
    /// The model's output for one sample: class probabilities where the model ends in Softmax, logits otherwise.
    /// Thread-safe: runs the cached immutable plan for the regime (rebuilt after parameters or statistics change) with
    /// per-thread scratch, so concurrent calls allocate nothing in steady state.
    /// </summary>
    /// <param name="sample">Features, length <see cref="InputWidth"/>.</param>
    /// <param name="output">Receives the output, length <see cref="OutputWidth"/>.</param>
    /// <param name="regime">Running, Population or Folded (batch statistics need a batch; use <see cref="Forward"/>).</param>
    public void Predict(ReadOnlySpan<float> sample, Span<float> output, InferenceRegime regime = InferenceRegime.Running) =>
        GetPlan(regime).Predict(sample, output);

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
                plan = InferencePlan.Build(ToDescription(), regime, version);
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
