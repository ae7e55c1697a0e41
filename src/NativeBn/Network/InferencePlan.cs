using System.Collections.ObjectModel;
using System.Runtime.InteropServices;
using NativeBn.Kernels;
using NativeBn.Kernels.Operators;
using NativeBn.Model;
using NativeBn.Model.Nodes;
using NativeBn.Normalization;

namespace NativeBn.Network;

/// <summary>
/// An immutable, compiled copy of a <see cref="ModelDescription"/> for single-sample prediction in one regime: dense
/// layers and 2-D convolutions (with BatchNorm folded in for <see cref="InferenceRegime.Folded"/>), BatchNorm over
/// <c>[N, C]</c> or <c>[N, C, H, W]</c> as cached <c>x·scale + shift</c>, a ReLU that is the only reader of a dense,
/// convolution or BatchNorm output fused into it (and a ReLU or Clip that is the only reader of a convolution or a
/// residual addition), clip, max and average pooling, global average pooling, dropout, identity and flatten as views of
/// their input, residual additions, and softmax where the model has it. The output is
/// the graph's output. Each sample is computed alone in a fixed order, so its output is bitwise the same whichever
/// batch it arrives in and on whichever thread; it may differ in the last bits between machines with different SIMD
/// widths or instruction sets.
/// <see cref="Predict(ReadOnlySpan{float}, Span{float})"/> is thread-safe and, after a thread's first call, allocation-free (each thread keeps its own
/// scratch).
/// </summary>
public sealed class InferencePlan
{
    [ThreadStatic]
    private static AlignedBuffer? t_scratch;

    private readonly Step[] _steps;
    private readonly int[] _offsets;
    private readonly int[] _lengths;
    private readonly int _scratchLength;
    private readonly int _outputSlot;
    private readonly int[] _observedLayers;

    private InferencePlan(
        int inputWidth, Step[] steps, int[] offsets, int[] lengths, int scratchLength, int outputSlot, InferenceRegime regime, long modelVersion,
        PlannedBatchNorm[] batchNorms, int[] observedLayers)
    {
        InputWidth = inputWidth;
        _steps = steps;
        _offsets = offsets;
        _lengths = lengths;
        _outputSlot = outputSlot;
        _scratchLength = scratchLength;
        OutputWidth = lengths[outputSlot];
        Regime = regime;
        ModelVersion = modelVersion;
        BatchNorms = new ReadOnlyCollection<PlannedBatchNorm>(batchNorms);
        _observedLayers = observedLayers;
    }

    /// <summary>Values per sample of the input (for <c>[N, C, H, W]</c> models, C·H·W in that order).</summary>
    public int InputWidth { get; }

    /// <summary>Values of the model's output per sample (class probabilities where the model ends in softmax).</summary>
    public int OutputWidth { get; }

    /// <summary>The regime the plan was built for.</summary>
    public InferenceRegime Regime { get; }

    /// <summary>Number of arithmetic steps (dense layers, convolutions, affine BatchNorms, pooling, standalone ReLUs and clips, additions, softmax).</summary>
    public int StepCount => _steps.Length;

    /// <summary>
    /// The BatchNorm layers the plan runs, in graph order, with the statistics it normalizes with. Empty when the model
    /// has none or when every one was folded into the layer before it (<see cref="InferenceRegime.Folded"/>): a folded
    /// layer has no input of its own to observe. In the Folded regime, a BatchNorm that follows no dense layer or
    /// convolution stays and is listed.
    /// </summary>
    public IReadOnlyList<PlannedBatchNorm> BatchNorms { get; }

    internal long ModelVersion { get; }

    /// <summary>Convolutions that write their outputs straight into the blocked input layout of the convolution after them.</summary>
    internal int BlockedHandOffs => _steps.Count(step => step is ConvStep { WritesBlocked: true });

    /// <summary>
    /// A plan for <paramref name="model"/>: one input <c>[N, ...]</c> with fixed sizes after the batch (<c>[N, features]</c>
    /// or <c>[N, C, H, W]</c>, read row-major per sample), one output.
    /// <see cref="InferenceRegime.Population"/> needs population statistics in every BatchNorm;
    /// <see cref="InferenceRegime.Folded"/> folds BatchNorm into dense layers first (see <see cref="ModelFolding"/>).
    /// </summary>
    public static InferencePlan Build(ModelDescription model, InferenceRegime regime) => Build(model, regime, 0);

    /// <summary>The model's output for one sample.</summary>
    /// <param name="sample">Features, length <see cref="InputWidth"/>.</param>
    /// <param name="output">Receives the output, length <see cref="OutputWidth"/>.</param>
    public void Predict(ReadOnlySpan<float> sample, Span<float> output) => Predict(sample, output, 1);

    /// <summary>
    /// The model's output for one sample, each convolution's work shared among up to <paramref name="maxThreads"/>
    /// threads (the caller's included; a process-wide team of one thread per processor). Threads take whole column
    /// panels of a convolution's GEMM, each output still one sum in a fixed order, so the output is bitwise what
    /// <see cref="Predict(ReadOnlySpan{float}, Span{float})"/> gives on one thread.
    /// </summary>
    /// <param name="sample">Features, length <see cref="InputWidth"/>.</param>
    /// <param name="output">Receives the output, length <see cref="OutputWidth"/>.</param>
    /// <param name="maxThreads">Threads at most, at least 1.</param>
    public void Predict(ReadOnlySpan<float> sample, Span<float> output, int maxThreads)
    {
        Check.Length(sample.Length, InputWidth, nameof(sample), "features per sample");
        Check.Length(output.Length, OutputWidth, nameof(output), "outputs per sample");
        ArgumentOutOfRangeException.ThrowIfLessThan(maxThreads, 1);
        Span<float> scratch = Run(sample, maxThreads, null);
        Slot(sample, scratch, _outputSlot).CopyTo(output);
    }

    /// <summary>
    /// The model's output for one sample, exactly as <see cref="Predict(ReadOnlySpan{float}, Span{float}, int)"/> computes
    /// it (bitwise the same output), with each BatchNorm layer's input for this sample handed to
    /// <paramref name="observer"/> as soon as the layer has run (in the order of <see cref="BatchNorms"/>; the span is
    /// valid only during the call, since the plan reuses the memory of tensors it no longer needs). Allocation-free after
    /// the thread's first call when the observer allocates nothing.
    /// </summary>
    /// <param name="sample">Features, length <see cref="InputWidth"/>.</param>
    /// <param name="output">Receives the output, length <see cref="OutputWidth"/>.</param>
    /// <param name="maxThreads">Threads at most, at least 1 (see <see cref="Predict(ReadOnlySpan{float}, Span{float}, int)"/>).</param>
    /// <param name="observer">Receives the inputs of the BatchNorm layers, on the calling thread.</param>
    public void Predict(ReadOnlySpan<float> sample, Span<float> output, int maxThreads, IBatchNormInputObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        Check.Length(sample.Length, InputWidth, nameof(sample), "features per sample");
        Check.Length(output.Length, OutputWidth, nameof(output), "outputs per sample");
        ArgumentOutOfRangeException.ThrowIfLessThan(maxThreads, 1);
        Span<float> scratch = Run(sample, maxThreads, observer);
        Slot(sample, scratch, _outputSlot).CopyTo(output);
    }

    /// <summary>
    /// The model's outputs for a batch: <paramref name="samples"/> holds whole samples of <see cref="InputWidth"/> values
    /// one after another, <paramref name="outputs"/> receives <see cref="OutputWidth"/> values per sample in the same
    /// order. Up to <paramref name="maxThreads"/> threads (the caller's included) each take whole samples (a single
    /// sample shares its convolutions among them instead, see <see cref="Predict(ReadOnlySpan{float}, Span{float}, int)"/>), so every
    /// sample's output is bitwise what <see cref="Predict(ReadOnlySpan{float}, Span{float})"/> gives it alone, for any batch size and thread count.
    /// </summary>
    public unsafe void PredictBatch(ReadOnlySpan<float> samples, Span<float> outputs, int maxThreads = 1)
    {
        if (samples.Length % InputWidth != 0)
        {
            throw new ArgumentException($"samples has {samples.Length} values, not a whole number of samples of {InputWidth}.", nameof(samples));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(maxThreads, 1);
        int count = samples.Length / InputWidth;
        if (outputs.Length != (long)count * OutputWidth)
        {
            throw new ArgumentException(
                $"outputs has {outputs.Length} values; expected {(long)count * OutputWidth} (outputs for {count} samples of {OutputWidth}).", nameof(outputs));
        }

        if (maxThreads == 1 || count < 2)
        {
            for (int n = 0; n < count; n++)
            {
                Predict(samples.Slice(n * InputWidth, InputWidth), outputs.Slice(n * OutputWidth, OutputWidth), maxThreads);
            }

            return;
        }

        fixed (float* x = samples, y = outputs)
        {
            var job = new BatchJob(x, y);
            WorkerTeam.Shared.Run(this, count, maxThreads, &PredictSample, (nint)(&job));
        }
    }

    /// <summary>
    /// Runs every step on the thread's scratch, which then holds the output in its slot; each BatchNorm step's input goes
    /// to <paramref name="observer"/>, when there is one, right after the step.
    /// </summary>
    private Span<float> Run(ReadOnlySpan<float> sample, int maxThreads, IBatchNormInputObserver? observer)
    {
        Span<float> scratch = (t_scratch ??= new AlignedBuffer()).Get(_scratchLength);
        using WorkerTeam.Engagement engaged = WorkerTeam.Engage(maxThreads);
        for (int i = 0; i < _steps.Length; i++)
        {
            Step step = _steps[i];
            step.Run(this, sample, scratch, maxThreads);
            if (observer is not null && _observedLayers[i] >= 0)
            {
                observer.Observe(_observedLayers[i], Slot(sample, scratch, step.Inputs[0]));
            }
        }

        return scratch;
    }

    private static unsafe void PredictSample(object owner, nint state, int sample)
    {
        ref BatchJob job = ref *(BatchJob*)state;
        var plan = (InferencePlan)owner;
        plan.Predict(
            new ReadOnlySpan<float>(job.Samples + (nint)sample * plan.InputWidth, plan.InputWidth),
            new Span<float>(job.Outputs + (nint)sample * plan.OutputWidth, plan.OutputWidth));
    }

    internal static InferencePlan Build(ModelDescription model, InferenceRegime regime, long version)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (regime is < InferenceRegime.Running or > InferenceRegime.Folded)
        {
            throw new ArgumentOutOfRangeException(nameof(regime), regime, "Plans exist for the Running, Population and Folded regimes.");
        }

        ModelInput input = model.Input;
        if (input.Shape.Rank < 2 || !input.Shape.IsBatched || input.Shape.ValuesPerSample > Array.MaxLength)
        {
            throw new ArgumentException($"A plan takes one [N, ...] input with fixed sizes after the batch; the model's input '{input.Name}' is {input.Shape}.", nameof(model));
        }

        ModelDescription planned = regime == InferenceRegime.Folded ? ModelFolding.Fold(model) : model;
        var builder = new PlanBuilder(planned, regime);
        return builder.Finish((int)input.Shape.ValuesPerSample, regime, version);
    }

    private unsafe readonly struct BatchJob(float* samples, float* outputs)
    {
        public readonly float* Samples = samples;
        public readonly float* Outputs = outputs;
    }

    private ReadOnlySpan<float> Slot(ReadOnlySpan<float> sample, Span<float> scratch, int slot) =>
        slot == 0 ? sample : scratch.Slice(_offsets[slot], _lengths[slot]);

    private Span<float> Writable(Span<float> scratch, int slot) => scratch.Slice(_offsets[slot], _lengths[slot]);

    /// <summary>Assigns every tensor a slot (slot 0 is the sample itself) and compiles the nodes into steps.</summary>
    private sealed class PlanBuilder
    {
        private readonly ModelDescription _model;
        private readonly InferenceRegime _regime;
        private readonly Dictionary<string, int> _slotOf = new(StringComparer.Ordinal);
        private readonly Dictionary<string, int> _readers;
        private readonly List<int> _lengths = [];
        private readonly List<Step> _steps = [];
        private readonly List<PlannedBatchNorm> _batchNorms = [];
        private readonly List<int> _batchNormSteps = [];
        private readonly HashSet<int> _blockedSlots = [];

        public PlanBuilder(ModelDescription model, InferenceRegime regime)
        {
            _model = model;
            _regime = regime;
            _readers = model.Nodes.SelectMany(n => n.Inputs).Concat(model.Outputs)
                .GroupBy(name => name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
            _slotOf[model.Input.Name] = NewSlot(model.Input.Shape);
            var fused = new HashSet<string>(StringComparer.Ordinal);
            foreach (ModelNode node in model.Nodes)
            {
                if (fused.Contains(node.Name))
                {
                    continue;
                }

                Compile(node, fused);
            }
        }

        public InferencePlan Finish(int inputWidth, InferenceRegime regime, long version)
        {
            int outputSlot = _slotOf[_model.Output];
            var writtenAt = new int[_lengths.Count];
            var lastReadAt = new int[_lengths.Count];
            for (int i = 0; i < _steps.Count; i++)
            {
                writtenAt[_steps[i].Output] = i;
                lastReadAt[_steps[i].Output] = Math.Max(lastReadAt[_steps[i].Output], i);
                foreach (int input in _steps[i].Inputs)
                {
                    lastReadAt[input] = Math.Max(lastReadAt[input], i);
                }
            }

            lastReadAt[outputSlot] = int.MaxValue;
            int[] offsets = ScratchLayout.Offsets(_lengths, writtenAt, lastReadAt, out int scratchLength);
            var observedLayers = new int[_steps.Count];
            Array.Fill(observedLayers, -1);
            for (int layer = 0; layer < _batchNormSteps.Count; layer++)
            {
                observedLayers[_batchNormSteps[layer]] = layer;
            }

            return new InferencePlan(
                inputWidth, [.. _steps], offsets, [.. _lengths], scratchLength, outputSlot, regime, version, [.. _batchNorms], observedLayers);
        }

        private int NewSlot(ShapeInfo shape) => NewSlot(shape.ValuesPerSample, shape);

        private int NewSlot(long values, ShapeInfo shape)
        {
            if (values > Array.MaxLength)
            {
                throw new ArgumentException($"A tensor of shape {shape} takes {values} floats per sample; at most {Array.MaxLength} fit in memory.");
            }

            _lengths.Add((int)values);
            return _lengths.Count - 1;
        }

        private void Compile(ModelNode node, HashSet<string> fused)
        {
            int[] inputs = [.. node.Inputs.Select(i => _slotOf[i])];
            switch (node)
            {
                case DropoutNode or IdentityNode or FlattenNode:
                    _slotOf[node.Name] = inputs[0];
                    return;
                case DenseNode dense:
                    bool denseRelu = FusesRelu(dense, fused, out string denseOutput);
                    Emit(new DenseStep(dense.Weight.ToArray(), dense.Bias.ToArray(), dense.InputFeatures, dense.OutputFeatures, denseRelu),
                        inputs, node, denseOutput);
                    return;
                case BatchNormNode batchNorm:
                    var scale = new AlignedFloatArray(batchNorm.Channels);
                    var shift = new AlignedFloatArray(batchNorm.Channels);
                    NormalizationStatistics statistics = StatisticsFor(batchNorm);
                    (var mean, var variance) = batchNorm.Statistics(statistics);
                    double epsilon = batchNorm.Options.Conventions.Epsilon;
                    InferenceCoefficients.Compute(batchNorm.Gamma.AsSpan(), batchNorm.Beta.AsSpan(), mean.AsSpan(), variance.AsSpan(),
                        epsilon, scale.Span, shift.Span);
                    ShapeInfo shape = _model.ShapeOf(node.Name);
                    long spatial = shape.ValuesPerSample / batchNorm.Channels;
                    _batchNorms.Add(new PlannedBatchNorm(node.Name, batchNorm.Channels, (int)spatial, mean, variance, epsilon, statistics));
                    _batchNormSteps.Add(_steps.Count);
                    bool affineRelu = FusesRelu(batchNorm, fused, out string affineOutput);
                    Emit(new AffineStep(scale, shift, (int)spatial, affineRelu), inputs, node, affineOutput);
                    return;
                case Conv2dNode conv:
                    ShapeInfo convInput = _model.ShapeOf(conv.Inputs[0]);
                    bool readsBlocked = _blockedSlots.Contains(inputs[0]);
                    if (FusedResidual(conv, fused, out int shortcut) is { } add)
                    {
                        Activation after = FusedActivation(add, fused, out string sumOutput);
                        Emit(new ConvStep(conv, convInput[2], convInput[3], after, null, readsBlocked), [inputs[0], shortcut], add, sumOutput);
                        return;
                    }

                    Activation activation = FusedActivation(conv, fused, out string convOutput);
                    BlockedInput? next = NextBlocked(conv, convOutput);
                    var step = new ConvStep(conv, convInput[2], convInput[3], activation, next, readsBlocked);
                    Emit(step, inputs, node, convOutput, step.OutputLength);
                    if (next is not null)
                    {
                        _blockedSlots.Add(_slotOf[convOutput]);
                    }

                    return;
                case PoolNode pool:
                    ShapeInfo poolInput = _model.ShapeOf(pool.Inputs[0]);
                    Emit(new PoolStep(pool, poolInput[1], poolInput[2], poolInput[3]), inputs, node, node.Name);
                    return;
                case GlobalAveragePoolNode:
                    ShapeInfo gapInput = _model.ShapeOf(node.Inputs[0]);
                    Emit(new GlobalAverageStep(gapInput[1], gapInput[2] * gapInput[3]), inputs, node, node.Name);
                    return;
                case ClipNode clip:
                    Emit(new ClampStep(clip.Min, clip.Max), inputs, node, node.Name);
                    return;
                case ReluNode:
                    Emit(new ClampStep(0f, float.PositiveInfinity), inputs, node, node.Name);
                    return;
                case AddNode:
                    Activation sum = FusedActivation(node, fused, out string addOutput);
                    Emit(new AddStep(sum.Lower, sum.Upper), inputs, node, addOutput);
                    return;
                case SoftmaxNode:
                    Emit(new SoftmaxStep(), inputs, node, node.Name);
                    return;
                default:
                    throw new ArgumentException($"Node '{node.Name}' ({node.Kind}) is not supported by inference plans.");
            }
        }

        private NormalizationStatistics StatisticsFor(BatchNormNode node) => _regime switch
        {
            InferenceRegime.Population => NormalizationStatistics.Population,
            InferenceRegime.Folded when node.Population is not null => NormalizationStatistics.Population,
            _ => NormalizationStatistics.Running,
        };

        /// <summary>
        /// The addition fused into a convolution (marked fused) when the convolution adds residuals
        /// (<see cref="PackedConvolution.AddsResidual"/>), its only reader is an addition of two different tensors, and
        /// the addition's other operand is already computed (a ResNet block's shortcut): the convolution then adds it to
        /// its outputs while they are in cache, the same sums as the addition after it. <paramref name="shortcut"/>
        /// receives the other operand's slot.
        /// </summary>
        private AddNode? FusedResidual(Conv2dNode conv, HashSet<string> fused, out int shortcut)
        {
            shortcut = -1;
            if (!PackedConvolution.AddsResidual(conv) || _readers.GetValueOrDefault(conv.Name) != 1
                || _model.Nodes.FirstOrDefault(n => n.Inputs.Contains(conv.Name)) is not AddNode add || add.Inputs[0] == add.Inputs[1])
            {
                return null;
            }

            string other = add.Inputs[0] == conv.Name ? add.Inputs[1] : add.Inputs[0];
            if (!_slotOf.TryGetValue(other, out int slot) || slot < 0)
            {
                return null;
            }

            shortcut = slot;
            fused.Add(add.Name);
            _slotOf[conv.Name] = -1;
            return add;
        }

        /// <summary>
        /// The blocked input layout of the convolution that is the only reader of <paramref name="output"/> (what
        /// <paramref name="conv"/> gives, after its fused activation), when both convolutions run on blocked inputs: then
        /// <paramref name="conv"/> writes that layout and the next one skips its transposition.
        /// </summary>
        private BlockedInput? NextBlocked(Conv2dNode conv, string output)
        {
            if (!BlockedConvolution.Fits(conv) || _readers.GetValueOrDefault(output) != 1
                || _model.Nodes.FirstOrDefault(n => n.Inputs.Contains(output)) is not Conv2dNode next || next.Inputs[0] != output || !BlockedConvolution.Fits(next))
            {
                return null;
            }

            ShapeInfo shape = _model.ShapeOf(output);
            return new BlockedInput(next.Window, next.InputChannels, shape[2], shape[3]);
        }

        /// <summary>True (the ReLU marked fused, its name returned) when the node's only reader is a ReLU.</summary>
        private bool FusesRelu(ModelNode node, HashSet<string> fused, out string output) =>
            FusedActivation(node, fused, out output, clips: false).IsSet;

        /// <summary>
        /// The activation fused into <paramref name="node"/> (marked fused, its name returned) when the node's only
        /// reader is a ReLU or, with <paramref name="clips"/>, a Clip.
        /// </summary>
        private Activation FusedActivation(ModelNode node, HashSet<string> fused, out string output, bool clips = true)
        {
            output = node.Name;
            if (_readers.GetValueOrDefault(node.Name) != 1)
            {
                return Activation.None;
            }

            ModelNode? reader = _model.Nodes.FirstOrDefault(n => n.Inputs.Contains(node.Name));
            Activation activation = reader switch
            {
                ReluNode => Activation.Relu,
                ClipNode clip when clips => Activation.Clamp(clip.Min, clip.Max),
                _ => Activation.None,
            };
            if (activation.IsSet)
            {
                fused.Add(reader!.Name);
                _slotOf[node.Name] = -1;
                output = reader.Name;
            }

            return activation;
        }

        private void Emit(Step step, int[] inputs, ModelNode node, string output, long? length = null)
        {
            ShapeInfo shape = _model.ShapeOf(output);
            int slot = NewSlot(length ?? shape.ValuesPerSample, shape);
            _slotOf[output] = slot;
            step.Inputs = inputs;
            step.Output = slot;
            _steps.Add(step);
        }
    }

    private abstract class Step
    {
        public int[] Inputs { get; set; } = [];

        public int Output { get; set; }

        public void Run(InferencePlan plan, ReadOnlySpan<float> sample, Span<float> scratch, int maxThreads) =>
            Run(plan.Slot(sample, scratch, Inputs[0]), Inputs.Length > 1 ? plan.Slot(sample, scratch, Inputs[1]) : default,
                plan.Writable(scratch, Output), maxThreads);

        protected abstract void Run(ReadOnlySpan<float> input, ReadOnlySpan<float> second, Span<float> output, int maxThreads);
    }

    /// <summary>
    /// A dense layer on one sample, its outputs shared among threads in units of the kernel's four outputs at a time
    /// (each output is the same dot product whichever thread computes it) when there is enough to share.
    /// </summary>
    private sealed class DenseStep(float[] weight, float[] bias, int inputs, int outputs, bool relu) : Step
    {
        /// <summary>Least multiply-adds a thread takes from a shared dense layer (its weights are read once per sample).</summary>
        private const long MultiplyAddsPerChunk = 1L << 17;

        private const int OutputsPerUnit = 4;

        private readonly float[] _weight = weight, _bias = bias;
        private readonly int _inputs = inputs, _outputs = outputs;

        protected override unsafe void Run(ReadOnlySpan<float> input, ReadOnlySpan<float> second, Span<float> output, int maxThreads)
        {
            int units = (_outputs + OutputsPerUnit - 1) / OutputsPerUnit;
            var chunks = new GuidedChunks(units, maxThreads, (int)Math.Min(units, MultiplyAddsPerChunk * units / Math.Max(1, (long)_inputs * _outputs)));
            if (maxThreads <= 1 || chunks.Count <= 1)
            {
                DenseKernels.Forward(input, _weight, _bias, output, 1, _inputs, _outputs);
            }
            else
            {
                fixed (float* px = input, py = output)
                {
                    var job = new DenseJob(px, py, chunks);
                    WorkerTeam.Shared.Run(this, chunks.Count, maxThreads, &Chunk, (nint)(&job));
                }
            }

            if (relu)
            {
                ElementwiseKernels.Clamp(output, output, 0f, float.PositiveInfinity);
            }
        }

        private static unsafe void Chunk(object owner, nint state, int chunk)
        {
            var step = (DenseStep)owner;
            ref DenseJob job = ref *(DenseJob*)state;
            (int firstUnit, int endUnit) = job.Chunks.Range(chunk);
            int first = firstUnit * OutputsPerUnit, end = Math.Min(step._outputs, endUnit * OutputsPerUnit), count = end - first;
            DenseKernels.Forward(
                new ReadOnlySpan<float>(job.X, step._inputs), step._weight.AsSpan(first * step._inputs, count * step._inputs),
                step._bias.AsSpan(first, count), new Span<float>(job.Y + first, count), 1, step._inputs, count);
        }

        /// <summary>One shared dense layer: its pinned input and output.</summary>
        private readonly unsafe struct DenseJob(float* x, float* y, GuidedChunks chunks)
        {
            public readonly float* X = x, Y = y;
            public readonly GuidedChunks Chunks = chunks;
        }
    }

    /// <summary>BatchNorm as <c>x·scale + shift</c> on one sample: a row of C features, or C planes of <paramref name="spatial"/> values.</summary>
    private sealed class AffineStep(AlignedFloatArray scale, AlignedFloatArray shift, int spatial, bool relu) : Step
    {
        private readonly ChannelGeometry _planes = ChannelGeometry.From(spatial == 1
            ? TensorShape.Features(1, scale.Length)
            : TensorShape.ChannelsFirst(1, scale.Length, 1, spatial));

        protected override void Run(ReadOnlySpan<float> input, ReadOnlySpan<float> second, Span<float> output, int maxThreads)
        {
            if (spatial == 1)
            {
                LayerKernels.AffineRows(input, scale.Span, shift.Span, output, 1, relu);
            }
            else
            {
                LayerKernels.Affine(_planes, input, scale.Span, shift.Span, output, relu, 1);
            }
        }
    }

    /// <summary>
    /// A convolution of one sample (weights packed when the plan is built), with a ReLU or Clip fused when it is the
    /// output's only reader, and a residual addition (with the activation after it) fused when the step has a second input.
    /// </summary>
    private sealed class ConvStep(Conv2dNode conv, int height, int width, Activation activation, BlockedInput? next = null, bool readsBlocked = false) : Step
    {
        private readonly PackedConvolution _convolution = new(conv, height, width, next, readsBlocked);

        /// <summary>True when the step writes the next convolution's blocked input layout rather than <c>[M, OH, OW]</c>.</summary>
        public bool WritesBlocked => next is not null;

        /// <summary>Floats of the step's output slot.</summary>
        public long OutputLength => _convolution.OutputLength;

        protected override void Run(ReadOnlySpan<float> input, ReadOnlySpan<float> second, Span<float> output, int maxThreads) =>
            _convolution.Run(input, second, output, KernelScratch.Floats(_convolution.ScratchLength), activation, maxThreads);
    }

    /// <summary>Max or average pooling of one sample (window geometry and average divisors computed when the plan is built).</summary>
    private sealed class PoolStep(PoolNode pool, int channels, int height, int width) : Step
    {
        private readonly Pooling _pooling = new(pool, channels, height, width);

        protected override void Run(ReadOnlySpan<float> input, ReadOnlySpan<float> second, Span<float> output, int maxThreads) =>
            _pooling.Run(input, output, KernelScratch.Floats(_pooling.ScratchLength), maxThreads);
    }

    private sealed class GlobalAverageStep(int channels, int positions) : Step
    {
        protected override void Run(ReadOnlySpan<float> input, ReadOnlySpan<float> second, Span<float> output, int maxThreads) =>
            GlobalPooling.Average(input, channels, positions, output);
    }

    /// <summary>
    /// A step that maps each value on its own (from one input, or two added), its values shared among threads in ranges
    /// of at least <see cref="FloatsPerChunk"/> when there are enough: the result does not depend on the split.
    /// </summary>
    private abstract class ElementwiseStep : Step
    {
        private const int FloatsPerChunk = 1 << 15;

        /// <summary>Floats per unit of the split: a multiple of every vector width.</summary>
        private const int Unit = 64;

        protected override unsafe void Run(ReadOnlySpan<float> input, ReadOnlySpan<float> second, Span<float> output, int maxThreads)
        {
            int units = (output.Length + Unit - 1) / Unit;
            var chunks = new GuidedChunks(units, maxThreads, FloatsPerChunk / Unit);
            if (maxThreads <= 1 || chunks.Count <= 1)
            {
                Apply(input, second, output);
                return;
            }

            fixed (float* pa = input, pb = second, py = output)
            {
                var job = new ElementwiseJob(pa, pb, py, output.Length, chunks);
                WorkerTeam.Shared.Run(this, chunks.Count, maxThreads, &Chunk, (nint)(&job));
            }
        }

        /// <summary>The values of <paramref name="output"/> from the same places of the inputs (<paramref name="second"/> empty for one input).</summary>
        protected abstract void Apply(ReadOnlySpan<float> input, ReadOnlySpan<float> second, Span<float> output);

        private static unsafe void Chunk(object owner, nint state, int chunk)
        {
            ref ElementwiseJob job = ref *(ElementwiseJob*)state;
            (int firstUnit, int endUnit) = job.Chunks.Range(chunk);
            int first = firstUnit * Unit, count = Math.Min(job.Length, endUnit * Unit) - first;
            ((ElementwiseStep)owner).Apply(
                new ReadOnlySpan<float>(job.Input + first, count), job.Second == null ? default : new ReadOnlySpan<float>(job.Second + first, count),
                new Span<float>(job.Output + first, count));
        }

        /// <summary>One shared step: its pinned inputs (the second null for one input) and output.</summary>
        private readonly unsafe struct ElementwiseJob(float* input, float* second, float* output, int length, GuidedChunks chunks)
        {
            public readonly float* Input = input, Second = second, Output = output;
            public readonly int Length = length;
            public readonly GuidedChunks Chunks = chunks;
        }
    }

    /// <summary>ReLU (<c>[0, +∞)</c>) or Clip: <c>min(max(x, low), high)</c>.</summary>
    private sealed class ClampStep(float low, float high) : ElementwiseStep
    {
        protected override void Apply(ReadOnlySpan<float> input, ReadOnlySpan<float> second, Span<float> output) =>
            ElementwiseKernels.Clamp(input, output, low, high);
    }

    /// <summary>A residual addition, clamped to [low, high] where a ReLU or Clip that is the sum's only reader is fused (else unbounded).</summary>
    private sealed class AddStep(float low, float high) : ElementwiseStep
    {
        protected override void Apply(ReadOnlySpan<float> input, ReadOnlySpan<float> second, Span<float> output) =>
            ElementwiseKernels.AddClamp(input, second, output, low, high);
    }

    private sealed class SoftmaxStep : Step
    {
        protected override void Run(ReadOnlySpan<float> input, ReadOnlySpan<float> second, Span<float> output, int maxThreads) =>
            SoftmaxCrossEntropy.Softmax(input, output, output.Length);
    }
}
