using NativeBn.Kernels;
using NativeBn.Model;
using NativeBn.Model.Nodes;

namespace NativeBn.Network;

/// <summary>
/// 2-D convolution on <c>[N, C, H, W]</c> (PyTorch <c>nn.Conv2d</c> semantics and weight layout <c>[M, C/G, kH, kW]</c>,
/// see <see cref="Conv2dNode"/>). The forward pass runs the inference kernel with the current weights (re-laid out
/// after each update) on each sample; the backward pass writes each sample's input gradient and adds the weight
/// gradients over the batch, sample after sample (the bias's per channel in double, in the fixed chunks of the
/// BatchNorm sums). Up to the model's thread count share the samples of a pass, and
/// the output channels of the weight gradient, so every result is the same bits for any number of threads.
/// </summary>
public sealed unsafe class Conv2dLayer : Layer
{
    /// <summary>
    /// Most floats of prepared backward units a block of samples holds (4 MiB). Each block is two jobs for the threads,
    /// so fewer, larger blocks give a descheduled worker fewer chances to hold the others up: on the demo CNN (Intel Xeon,
    /// two threads, one process alternating both) whole batches of 32 and 128 ran 1-2 % faster than blocks of 256 KiB.
    /// </summary>
    private const int UnitFloatsPerBlock = 1 << 20;

    /// <summary>Least output channels of the weight gradient a thread takes.</summary>
    private const int ChannelsPerChunk = 4;

    private readonly Conv2dNode _node;
    private readonly int _maxThreads;
    private readonly ArrayParameter _weight;
    private readonly ArrayParameter? _bias;
    private readonly PackedConvolution _convolution;
    private readonly PhaseLayout _layout;
    private readonly int _unitLength, _blockSamples, _channelsPerChunk;
    private readonly float[] _units;
    private readonly double[] _biasSums;
    private readonly ScratchBuffer _sumsScratch = new();
    private long _packedVersion;

    internal Conv2dLayer(Conv2dNode node, int height, int width, int maxBatch, int maxThreads)
        : base(node.Name, checked(node.InputChannels * height * width), checked(node.OutputChannels * node.Window.OutputHeight(height) * node.Window.OutputWidth(width)))
    {
        _node = node;
        _maxThreads = maxThreads;
        _weight = new ArrayParameter($"{node.Name}.weight", node.Weight.ToArray(), new float[node.Weight.Length]);
        _bias = node.HasBias ? new ArrayParameter($"{node.Name}.bias", node.Bias.ToArray(), new float[node.OutputChannels]) : null;
        _convolution = new PackedConvolution(node, height, width);
        _layout = new PhaseLayout(node.Window, node.InputChannels / node.Groups, height, width, PackedGemm.Panel);
        int groupOutputs = node.OutputChannels / node.Groups;
        _unitLength = checked((int)ConvolutionGradients.UnitLength(_layout, groupOutputs));
        long sampleFloats = (long)_unitLength * node.Groups;
        _blockSamples = (int)Math.Clamp(UnitFloatsPerBlock / sampleFloats, 1, maxBatch);
        _channelsPerChunk = Math.Max(ChannelsPerChunk, (groupOutputs + 8 * ChannelsPerChunk - 1) / (8 * ChannelsPerChunk) * ChannelsPerChunk);
        _units = new float[checked((int)(_blockSamples * sampleFloats))];
        _biasSums = new double[node.OutputChannels];
        _packedVersion = Version;
    }

    /// <inheritdoc />
    public override LayerKind Kind => LayerKind.Conv2d;

    /// <summary>Weights <c>[M, C/G, kH, kW]</c>.</summary>
    public ReadOnlySpan<float> Weight => _weight.Array;

    /// <summary>Bias, one per output channel (zeros when the layer has none).</summary>
    public ReadOnlySpan<float> Bias => _bias is null ? _node.Bias.AsSpan() : _bias.Array;

    /// <inheritdoc />
    public override IReadOnlyList<Parameter> Parameters => _bias is null ? [_weight] : [_weight, _bias];

    internal override long Version => _weight.Version + (_bias?.Version ?? 0);

    internal override ModelNode ToNode(string input) => new Conv2dNode(
        Name, input, _node.InputChannels, _node.OutputChannels, _node.Window, _node.Groups, _weight.Array, _bias is null ? [] : _bias.Array);

    internal override void Forward(ReadOnlySpan<float> input, Span<float> output, int batch, Pass pass)
    {
        if (_packedVersion != Version)
        {
            _convolution.Load(_weight.Array, Bias);
            _packedVersion = Version;
        }

        fixed (float* x = input, y = output)
        {
            var job = new Job(x, y, null, null, null, 0, batch);
            WorkerTeam.Share(this, batch, _maxThreads, &ForwardSample, (nint)(&job));
        }
    }

    internal override void Backward(
        ReadOnlySpan<float> input, ReadOnlySpan<float> output, ReadOnlySpan<float> outputGradient, Span<float> inputGradient, int batch)
    {
        int groups = _node.Groups, groupOutputs = _node.OutputChannels / groups;
        int chunks = groups * ((groupOutputs + _channelsPerChunk - 1) / _channelsPerChunk);
        _weight.GradientArray.AsSpan().Clear();
        fixed (float* x = input, dy = outputGradient, dx = inputGradient, dw = _weight.GradientArray, units = _units)
        {
            for (int first = 0; first < batch; first += _blockSamples)
            {
                int count = Math.Min(_blockSamples, batch - first);
                var job = new Job(x, dy, dx, dw, units, first, count);
                WorkerTeam.Share(this, count * groups, _maxThreads, &PrepareUnit, (nint)(&job));
                WorkerTeam.Share(this, chunks, _maxThreads, &AccumulateWeights, (nint)(&job));
            }
        }

        if (_bias is not null)
        {
            var geometry = ChannelGeometry.From(TensorShape.ChannelsFirst(batch, _node.OutputChannels, _layout.OutputHeight, _layout.OutputWidth));
            LayerKernels.ChannelSums(geometry, outputGradient, _biasSums, _sumsScratch, _maxThreads);
            for (int m = 0; m < _biasSums.Length; m++)
            {
                _bias.GradientArray[m] = (float)_biasSums[m];
            }
        }
    }

    private static void ForwardSample(object owner, nint state, int n)
    {
        var layer = (Conv2dLayer)owner;
        ref Job job = ref *(Job*)state;
        int inputs = layer.InputWidth, outputs = layer.OutputWidth;
        layer._convolution.Run(
            new ReadOnlySpan<float>(job.X + (nint)n * inputs, inputs), new Span<float>(job.Y + (nint)n * outputs, outputs),
            KernelScratch.Floats(layer._convolution.ScratchLength), Activation.None);
    }

    /// <summary>Prepares unit <paramref name="index"/> (sample <c>First + index / G</c>, group <c>index % G</c>) and writes its input gradient.</summary>
    private static void PrepareUnit(object owner, nint state, int index)
    {
        var layer = (Conv2dLayer)owner;
        ref Job job = ref *(Job*)state;
        int groups = layer._node.Groups, g = index % groups;
        long n = job.First + index / groups;
        int groupInputs = layer.InputWidth / groups, groupOutputs = layer.OutputWidth / groups, channels = layer._node.OutputChannels / groups;
        var unit = new Span<float>(job.Units + (nint)index * layer._unitLength, layer._unitLength);
        ConvolutionGradients.Prepare(
            layer._layout,
            new ReadOnlySpan<float>(job.X + n * layer.InputWidth + g * groupInputs, groupInputs),
            new ReadOnlySpan<float>(job.Y + n * layer.OutputWidth + g * groupOutputs, groupOutputs),
            unit);
        if (job.InputGradient != null)
        {
            int groupWeights = layer._weight.Array.Length / groups;
            ConvolutionGradients.InputGradient(
                layer._layout, unit, layer._weight.Array.AsSpan(g * groupWeights, groupWeights), channels,
                KernelScratch.Floats(layer._layout.CopyLength),
                new Span<float>(job.InputGradient + n * layer.InputWidth + g * groupInputs, groupInputs));
        }
    }

    /// <summary>Adds the block's samples, in order, to the weight gradient of one group's output channels in chunk <paramref name="chunk"/>.</summary>
    private static void AccumulateWeights(object owner, nint state, int chunk)
    {
        var layer = (Conv2dLayer)owner;
        ref Job job = ref *(Job*)state;
        int groups = layer._node.Groups, channels = layer._node.OutputChannels / groups;
        int chunksPerGroup = (channels + layer._channelsPerChunk - 1) / layer._channelsPerChunk;
        int g = chunk / chunksPerGroup, first = chunk % chunksPerGroup * layer._channelsPerChunk;
        int count = Math.Min(layer._channelsPerChunk, channels - first), depth = layer._layout.Taps.Length;
        var weightGradient = new Span<float>(job.WeightGradient + ((long)g * channels + first) * depth, count * depth);
        for (int i = 0; i < job.Count; i++)
        {
            var unit = new ReadOnlySpan<float>(job.Units + (nint)(i * groups + g) * layer._unitLength, layer._unitLength);
            ConvolutionGradients.AccumulateWeights(layer._layout, unit, first, count, weightGradient);
        }
    }

    /// <summary>
    /// A pass's buffers: the input X, the output (forward) or output gradient (backward) Y, and for the backward pass
    /// the input gradient (null when none is needed), the weight gradient and the units of the block of samples
    /// [First, First + Count).
    /// </summary>
    private readonly struct Job(float* x, float* y, float* inputGradient, float* weightGradient, float* units, int first, int count)
    {
        public readonly float* X = x;
        public readonly float* Y = y;
        public readonly float* InputGradient = inputGradient;
        public readonly float* WeightGradient = weightGradient;
        public readonly float* Units = units;
        public readonly int First = first;
        public readonly int Count = count;
    }
}
