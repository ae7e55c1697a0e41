using NativeBn.Kernels;
using NativeBn.Model;
using NativeBn.Model.Nodes;
using NativeBn.Normalization;

namespace NativeBn.Network;

/// <summary>
/// A trainable feed-forward network built from a <see cref="ModelDescription"/> with one input, <c>[N, features]</c> or
/// <c>[N, C, H, W]</c>: Dense, Conv2d, BatchNorm, ReLU, Clip, MaxPool/AveragePool, GlobalAveragePool, Dropout, Identity
/// and Flatten nodes in a chain or in branches that meet at Add nodes (residual blocks), optionally ending in a Softmax
/// node. The node before the Softmax (or the last node) gives logits <c>[N, OutputWidth]</c> for softmax cross-entropy;
/// <see cref="Predict"/> gives the model's output (probabilities where the description ends in Softmax, logits
/// otherwise). Every buffer is planned for <see cref="MaxBatch"/> at construction, so a training step allocates
/// nothing; <see cref="Predict"/> runs an immutable <see cref="InferencePlan"/> and is safe from many threads at once.
/// <see cref="ToDescription"/> gives the current state back as a description.
/// </summary>
public sealed class Sequential
{
    private readonly ModelDescription _template;
    private readonly Layer?[] _layerOfNode;
    private readonly Layer[] _layers;
    private readonly Step[] _steps;
    private readonly int[] _widths;
    private readonly float[]?[] _values;
    private readonly float[]?[] _gradients;
    private readonly bool[] _gradientWritten;
    private readonly float[] _gradientScratch;
    private readonly int _logits;
    private readonly int _maxThreads;
    private readonly Parameter[] _parameters;
    private readonly InferencePlan?[] _plans = new InferencePlan?[4];
    private readonly Lock _planLock = new();

    /// <summary>
    /// A trainable model in the state <paramref name="model"/> describes, with buffers for batches of up to
    /// <paramref name="maxBatch"/> samples.
    /// </summary>
    /// <param name="model">One <c>[N, features]</c> or <c>[N, C, H, W]</c> input; nodes as listed above; logits <c>[N, classes]</c>.</param>
    /// <param name="maxBatch">Largest batch a training step or batched forward pass accepts (at least 1).</param>
    /// <param name="seed">Seeds the dropout masks, so training is reproducible.</param>
    /// <param name="runOptions">
    /// Threads and synchronizer for every BatchNorm layer (their conventions and policies stay the model's); its
    /// <see cref="BatchNormOptions.MaxThreads"/> is also the most threads the convolution and pooling layers share the
    /// samples of a pass among (without options: the processor count). Every result is the same bits for any thread count.
    /// </param>
    public Sequential(ModelDescription model, int maxBatch = 256, int seed = 0, BatchNormOptions? runOptions = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (maxBatch < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(maxBatch), maxBatch, $"maxBatch must be at least 1, got {maxBatch}.");
        }

        ShapeInfo inputShape = model.Inputs.Length == 1 ? model.Inputs[0].Shape : ShapeInfo.Features(1);
        if (model.Inputs.Length != 1 || model.Outputs.Length != 1 || inputShape.Rank is not (2 or 4) || !inputShape.IsBatched)
        {
            throw new ArgumentException(
                $"A trainable model has one [N, features] or [N, C, H, W] input and one output; this one is {model}.", nameof(model));
        }

        MemoryLimits.RequireFloats(TrainingFloats(model, maxBatch), $"Training this model with batches of {maxBatch}");
        var tensors = new Dictionary<string, int>(StringComparer.Ordinal) { [model.Inputs[0].Name] = 0 };
        var widths = new List<int> { (int)inputShape.ValuesPerSample };
        var steps = new List<Step>();
        var layers = new List<Layer>();
        var random = new Random(seed);
        _maxThreads = runOptions?.MaxThreads ?? Environment.ProcessorCount;
        _layerOfNode = new Layer?[model.Nodes.Length];
        for (int i = 0; i < model.Nodes.Length; i++)
        {
            ModelNode node = model.Nodes[i];
            ShapeInfo input = model.ShapeOf(node.Inputs[0]);
            int width = checked((int)model.ShapeOf(node.Name).ValuesPerSample);
            if (IsAlias(model, i))
            {
                tensors[node.Name] = tensors[node.Inputs[0]];
                continue;
            }

            Layer? layer = node switch
            {
                DenseNode dense => new DenseLayer(dense),
                Conv2dNode conv => new Conv2dLayer(conv, input[2], input[3], maxBatch, _maxThreads),
                BatchNormNode batchNorm => new BatchNormLayer(node.Name, batchNorm.CreateEngine(runOptions), width / batchNorm.Channels),
                ReluNode => new ReluLayer(node.Name, width),
                ClipNode clip => new ClipLayer(node.Name, width, clip.Min, clip.Max),
                PoolNode pool => new PoolLayer(pool, input[1], input[2], input[3], _maxThreads),
                GlobalAveragePoolNode => new GlobalAveragePoolLayer(node.Name, input[1], input[2] * input[3]),
                DropoutNode dropout => new DropoutLayer(node.Name, width, dropout.Rate, random.Next(), maxBatch),
                AddNode => null,
                _ => throw new ArgumentException(
                    $"Node '{node.Name}' ({node.Kind}) cannot be trained here: a trainable model holds Dense, Conv2d, BatchNorm, Relu, Clip, MaxPool, AveragePool, GlobalAveragePool, Dropout, Add, Identity and Flatten nodes and may end in Softmax.",
                    nameof(model)),
            };
            _layerOfNode[i] = layer;
            if (layer is not null)
            {
                layers.Add(layer);
            }

            tensors[node.Name] = widths.Count;
            widths.Add(width);
            steps.Add(new Step(layer, [.. node.Inputs.Select(name => tensors[name])], widths.Count - 1));
        }

        if (layers.Count == 0)
        {
            throw new ArgumentException("A trainable model needs at least one layer that computes something.", nameof(model));
        }

        _logits = tensors[model.Nodes[^1] is SoftmaxNode softmax ? softmax.Inputs[0] : model.Outputs[0]];
        ShapeInfo logits = model.ShapeOf(model.Nodes[^1] is SoftmaxNode last ? last.Inputs[0] : model.Outputs[0]);
        if (logits.Rank != 2 || _logits == 0)
        {
            throw new ArgumentException(
                $"A trainable model computes logits [N, classes] before its optional Softmax; this one gives {logits}.", nameof(model));
        }

        _template = model;
        _layers = [.. layers];
        _steps = [.. steps];
        _widths = [.. widths];
        _values = [.. widths.Select((w, t) => t == 0 ? null : new float[checked(maxBatch * w)])];
        _gradients = [.. widths.Select((w, t) => t == 0 ? null : new float[checked(maxBatch * w)])];
        _gradientWritten = new bool[widths.Count];
        _gradientScratch = new float[checked(maxBatch * widths.Max())];
        InputShape = inputShape;
        InputWidth = widths[0];
        MaxBatch = maxBatch;
        _parameters = [.. _layers.SelectMany(l => l.Parameters)];
    }

    /// <summary>
    /// The floats training <paramref name="model"/> with batches of <paramref name="maxBatch"/> takes, computed from the
    /// description before anything is allocated: each parameter four times (value, gradient, two optimizer moments), each
    /// computed tensor twice per sample (values and gradients) plus a dropout mask, and one more of the widest tensor
    /// (the gradient scratch of shared tensors). Sizes beyond 64 bits count as too large.
    /// </summary>
    private static long TrainingFloats(ModelDescription model, int maxBatch)
    {
        try
        {
            long parameters = 0, perSample = 0, widest = model.Inputs[0].Shape.ValuesPerSample;
            for (int i = 0; i < model.Nodes.Length; i++)
            {
                ModelNode node = model.Nodes[i];
                if (IsAlias(model, i))
                {
                    continue;
                }

                long width = model.ShapeOf(node.Name).ValuesPerSample;
                perSample = checked(perSample + (node is DropoutNode ? 3 : 2) * width);
                widest = Math.Max(widest, width);
                parameters = checked(parameters + node switch
                {
                    DenseNode dense => (long)dense.Weight.Length + dense.Bias.Length,
                    Conv2dNode conv => (long)conv.Weight.Length + (conv.HasBias ? conv.OutputChannels : 0),
                    BatchNormNode batchNorm => 2L * batchNorm.Channels,
                    _ => 0,
                });
            }

            return checked(4 * parameters + maxBatch * (perSample + widest));
        }
        catch (OverflowException)
        {
            return long.MaxValue;
        }
    }

    /// <summary>True when node <paramref name="index"/> computes nothing in training: Identity, Flatten, or the final Softmax (its input is the logits).</summary>
    private static bool IsAlias(ModelDescription model, int index) =>
        model.Nodes[index] is IdentityNode or FlattenNode || (model.Nodes[index] is SoftmaxNode && index == model.Nodes.Length - 1);

    /// <summary>The input's shape, <c>[N, features]</c> or <c>[N, C, H, W]</c>; samples are <see cref="InputWidth"/> values in that layout.</summary>
    public ShapeInfo InputShape { get; }

    /// <summary>True when the model ends in Softmax: <see cref="Predict"/> gives class probabilities.</summary>
    public bool EndsInSoftmax => _template.EndsInSoftmax;

    /// <summary>The model's current state (weights, statistics) as a description, with the names it was built with.</summary>
    public ModelDescription ToDescription()
    {
        var nodes = new ModelNode[_template.Nodes.Length];
        for (int i = 0; i < nodes.Length; i++)
        {
            ModelNode node = _template.Nodes[i];
            nodes[i] = _layerOfNode[i] is { Parameters.Count: > 0 } layer ? layer.ToNode(node.Inputs[0]) : node;
        }

        return new ModelDescription(_template.Inputs, nodes, _template.Outputs);
    }

    /// <summary>Values per sample (features, or <c>C·H·W</c> for images).</summary>
    public int InputWidth { get; }

    /// <summary>Classes (logits per sample).</summary>
    public int OutputWidth => _widths[_logits];

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
        using WorkerTeam.Engagement engaged = WorkerTeam.Engage(_maxThreads);
        try
        {
            Run(x, batch, Pass.Train);
        }
        catch (NonFiniteBatchException e)
        {
            throw new TrainingDivergedException("this step (inside the network)", e);
        }

        Array.Clear(_gradientWritten);
        float loss = SoftmaxCrossEntropy.LossAndGradient(Logits(batch), labels, OutputWidth, _gradients[_logits], globalBatch);
        if (!float.IsFinite(loss))
        {
            throw new TrainingDivergedException("this step (the loss)");
        }

        _gradientWritten[_logits] = true;
        Backward(x, batch);
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
        using WorkerTeam.Engagement engaged = WorkerTeam.Engage(_maxThreads);
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
        Layer target = _layers[layerIndex];
        foreach (Step step in _steps)
        {
            if (step.Layer == target)
            {
                return Values(step.Inputs[0], x, batch);
            }

            InferenceRegime regime = step.Layer is BatchNormLayer { BatchNorm.HasPopulationStatistics: true }
                ? InferenceRegime.Population : InferenceRegime.Running;
            RunStep(step, x, batch, new Pass(false, regime));
        }

        throw new ArgumentOutOfRangeException(nameof(layerIndex), layerIndex, $"The model has {_layers.Length} layers.");
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
        foreach (Step step in _steps)
        {
            RunStep(step, x, batch, pass);
        }
    }

    private void RunStep(Step step, ReadOnlySpan<float> x, int batch, Pass pass)
    {
        Span<float> output = _values[step.Output].AsSpan(0, batch * _widths[step.Output]);
        if (step.Layer is { } layer)
        {
            layer.Forward(Values(step.Inputs[0], x, batch), output, batch, pass);
        }
        else
        {
            ElementwiseKernels.Add(Values(step.Inputs[0], x, batch), Values(step.Inputs[1], x, batch), output);
        }
    }

    /// <summary>
    /// Steps in reverse order; each tensor's gradient is complete before its producer runs (its readers come later).
    /// The first reader to reach a tensor writes its gradient, later readers of a shared tensor add theirs.
    /// </summary>
    private void Backward(ReadOnlySpan<float> x, int batch)
    {
        for (int i = _steps.Length - 1; i >= 0; i--)
        {
            Step step = _steps[i];
            int width = _widths[step.Output];
            Span<float> outputGradient = _gradients[step.Output].AsSpan(0, batch * width);
            if (!_gradientWritten[step.Output])
            {
                outputGradient.Clear();
                _gradientWritten[step.Output] = true;
            }

            if (step.Layer is not { } layer)
            {
                foreach (int input in step.Inputs)
                {
                    AddGradient(input, outputGradient, batch);
                }

                continue;
            }

            int source = step.Inputs[0];
            ReadOnlySpan<float> values = Values(source, x, batch);
            ReadOnlySpan<float> output = _values[step.Output].AsSpan(0, batch * width);
            if (source == 0)
            {
                layer.Backward(values, output, outputGradient, [], batch);
            }
            else if (!_gradientWritten[source])
            {
                layer.Backward(values, output, outputGradient, _gradients[source].AsSpan(0, batch * _widths[source]), batch);
                _gradientWritten[source] = true;
            }
            else
            {
                Span<float> scratch = _gradientScratch.AsSpan(0, batch * _widths[source]);
                layer.Backward(values, output, outputGradient, scratch, batch);
                AddGradient(source, scratch, batch);
            }
        }
    }

    /// <summary>Writes or adds <paramref name="gradient"/> into tensor <paramref name="tensor"/>'s gradient (none for the graph input).</summary>
    private void AddGradient(int tensor, ReadOnlySpan<float> gradient, int batch)
    {
        if (tensor == 0)
        {
            return;
        }

        Span<float> target = _gradients[tensor].AsSpan(0, batch * _widths[tensor]);
        if (_gradientWritten[tensor])
        {
            ElementwiseKernels.Add(target, gradient, target);
        }
        else
        {
            gradient.CopyTo(target);
            _gradientWritten[tensor] = true;
        }
    }

    private ReadOnlySpan<float> Values(int tensor, ReadOnlySpan<float> x, int batch) =>
        tensor == 0 ? x : _values[tensor].AsSpan(0, batch * _widths[tensor]);

    private ReadOnlySpan<float> Logits(int batch) => _values[_logits].AsSpan(0, batch * OutputWidth);

    private void CheckBatch(ReadOnlySpan<float> x, int batch, string batchName)
    {
        if (batch < 1 || batch > MaxBatch)
        {
            throw new ArgumentOutOfRangeException(batchName, batch, $"The batch holds {batch} samples; this model takes 1 to {MaxBatch}.");
        }

        if (x.Length != (long)batch * InputWidth)
        {
            string shape = string.Join(", ", InputShape.Dimensions.Skip(1).Select(d => d.Size));
            throw new ArgumentException($"x has {x.Length} values; expected [{batch}, {shape}] = {(long)batch * InputWidth}.", nameof(x));
        }
    }

    /// <summary>One node that computes: a layer, or an Add (no layer) of two tensors; tensors are numbered, 0 the graph input.</summary>
    private sealed record Step(Layer? Layer, int[] Inputs, int Output);
}
