using NativeBn.Model;
using NativeBn.Model.Nodes;
using NativeBn.Normalization;

namespace NativeBn.Network;

/// <summary>
/// Builds a chain-shaped <see cref="ModelDescription"/> node by node, with initial weights: nodes are named by their
/// position from 0 (as PyTorch's <c>nn.Sequential</c> numbers its modules), which names their parameters
/// (<c>0.weight</c>, <c>1.running_mean</c>, ...), and read a graph input named <c>input</c> of shape
/// <c>[N, inputWidth]</c> or, for images, <c>[N, C, H, W]</c>. Weights are drawn from a generator seeded with
/// <c>seed</c>, so a seed fixes the model.
/// </summary>
public sealed class SequentialBuilder
{
    private readonly List<ModelNode> _nodes = [];
    private readonly Random _random;
    private readonly ShapeInfo _input;
    private int[] _shape;

    /// <summary>Starts a model taking <paramref name="inputWidth"/> features per sample.</summary>
    public SequentialBuilder(int inputWidth, int seed)
        : this(ShapeInfo.Features(Positive(inputWidth, nameof(inputWidth))), [inputWidth], seed)
    {
    }

    /// <summary>Starts a model taking images <c>[N, channels, height, width]</c>.</summary>
    public SequentialBuilder(int channels, int height, int width, int seed)
        : this(new ShapeInfo([Dimension.Batch, Dimension.Of(Positive(channels, nameof(channels))), Dimension.Of(Positive(height, nameof(height))), Dimension.Of(Positive(width, nameof(width)))]),
            [channels, height, width], seed)
    {
    }

    private SequentialBuilder(ShapeInfo input, int[] shape, int seed)
    {
        _input = input;
        _shape = shape;
        InputWidth = checked((int)input.ValuesPerSample);
        Seed = seed;
        _random = new Random(seed);
    }

    /// <summary>Values per sample in (features, or <c>C·H·W</c> for images).</summary>
    public int InputWidth { get; }

    /// <summary>Features per sample of the last node, or -1 while it gives images.</summary>
    private int Width => _shape.Length == 1 ? _shape[0] : -1;

    /// <summary>The seed of the initial weights (and of the dropout masks of <see cref="Build"/>).</summary>
    public int Seed { get; }

    private string Next => _nodes.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private string Previous => _nodes.Count == 0 ? "input" : _nodes[^1].Name;

    /// <summary>Adds a dense layer with <paramref name="outputs"/> outputs and weights drawn by <paramref name="initialization"/>, bias 0.</summary>
    public SequentialBuilder Dense(int outputs, Initialization initialization = Initialization.He)
    {
        Check.Channels(outputs, nameof(outputs));
        int width = Features();
        MemoryLimits.RequireFloats(4L * width * outputs, $"Training a dense layer of {width} inputs and {outputs} outputs (weights, gradients, optimizer state)");

        float[] weight = InitialWeights(width, outputs, initialization, _random.Next());
        _nodes.Add(new DenseNode(Next, Previous, width, outputs, weight, new float[outputs]));
        _shape = [outputs];
        return this;
    }

    /// <summary>Adds a dense layer with the given weights <c>[outputs, inputs]</c> and bias.</summary>
    public SequentialBuilder Dense(int outputs, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias)
    {
        Check.Channels(outputs, nameof(outputs));
        _nodes.Add(new DenseNode(Next, Previous, Features(), outputs, weight, bias));
        _shape = [outputs];
        return this;
    }

    /// <summary>
    /// Adds a convolution of the current images to <paramref name="outputs"/> channels with a square
    /// <paramref name="kernel"/>, <paramref name="stride"/>, zero padding of <c>kernel / 2</c> on every side (the size is
    /// kept at stride 1 for odd kernels), He-normal weights over its fan-in and bias 0.
    /// </summary>
    public SequentialBuilder Conv2d(int outputs, int kernel, int stride = 1)
    {
        Check.Channels(outputs, nameof(outputs));
        (int channels, int height, int width) = Image(nameof(Conv2d));
        int pad = kernel / 2;
        var window = new Window2d(kernel, kernel, stride, stride, pad, pad, pad, pad);
        long fanIn = (long)channels * kernel * kernel;
        MemoryLimits.RequireFloats(4L * fanIn * outputs, $"Training a convolution of {channels} channels, kernel {kernel}, to {outputs} channels");
        float[] weight = InitialWeights(checked((int)fanIn), outputs, Initialization.He, _random.Next());
        _nodes.Add(new Conv2dNode(Next, Previous, channels, outputs, window, 1, weight, new float[outputs]));
        _shape = [outputs, Fits(window.OutputHeight(height)), Fits(window.OutputWidth(width))];
        return this;
    }

    /// <summary>Adds max (<paramref name="max"/>) or average pooling over square windows of <paramref name="kernel"/>, stride <paramref name="kernel"/>, no padding.</summary>
    public SequentialBuilder Pool(int kernel, bool max = true)
    {
        (int channels, int height, int width) = Image(max ? "MaxPool" : "AveragePool");
        var window = new Window2d(kernel, kernel, kernel, kernel);
        _nodes.Add(new PoolNode(Next, Previous, max ? PoolKind.Max : PoolKind.Average, window));
        _shape = [channels, Fits(window.OutputHeight(height)), Fits(window.OutputWidth(width))];
        return this;
    }

    /// <summary>Adds global average pooling: <c>[N, C, H, W]</c> to <c>[N, C, 1, 1]</c>.</summary>
    public SequentialBuilder GlobalAveragePool()
    {
        (int channels, _, _) = Image(nameof(GlobalAveragePool));
        _nodes.Add(new GlobalAveragePoolNode(Next, Previous));
        _shape = [channels, 1, 1];
        return this;
    }

    /// <summary>Adds a flatten: images <c>[N, C, H, W]</c> become features <c>[N, C·H·W]</c>.</summary>
    public SequentialBuilder Flatten()
    {
        (int channels, int height, int width) = Image(nameof(Flatten));
        _nodes.Add(new FlattenNode(Next, Previous));
        _shape = [checked(channels * height * width)];
        return this;
    }

    /// <summary>Adds a BatchNorm over the current features or image channels: gamma 1, beta 0, running mean 0 and variance 1.</summary>
    public SequentialBuilder BatchNorm(BatchNormOptions? options = null)
    {
        int c = _shape[0];
        var ones = new float[c];
        Array.Fill(ones, 1f);
        var unit = new double[c];
        Array.Fill(unit, 1.0);
        _nodes.Add(new BatchNormNode(Next, Previous, options ?? new BatchNormOptions(), ones, new float[c], new double[c], unit, 0));
        return this;
    }

    /// <summary>Adds a ReLU.</summary>
    public SequentialBuilder Relu()
    {
        _nodes.Add(new ReluNode(Next, Previous));
        return this;
    }

    /// <summary>Adds inverted dropout with the given rate in [0, 1).</summary>
    public SequentialBuilder Dropout(double rate)
    {
        if (!(rate >= 0 && rate < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(rate), rate, $"rate must be in [0, 1), got {rate}.");
        }

        _nodes.Add(new DropoutNode(Next, Previous, rate));
        return this;
    }

    /// <summary>Ends the model in a softmax: its output becomes class probabilities (training still uses the logits).</summary>
    public SequentialBuilder Softmax()
    {
        _nodes.Add(new SoftmaxNode(Next, Previous));
        return this;
    }

    /// <summary>The model described so far.</summary>
    public ModelDescription Describe()
    {
        if (_nodes.Count == 0)
        {
            throw new InvalidOperationException("A model needs at least one layer.");
        }

        return new ModelDescription([new ModelInput("input", _input)], _nodes, [_nodes[^1].Name]);
    }

    /// <summary>A trainable model with buffers planned for batches of up to <paramref name="maxBatch"/> samples.</summary>
    public Sequential Build(int maxBatch) => new(Describe(), maxBatch, Seed);

    private int Features() => Width >= 1 ? Width : throw new InvalidOperationException(
        $"A dense layer takes features [N, F]; the model gives images [N, {string.Join(", ", _shape)}] here: add a flatten first.");

    private (int Channels, int Height, int Width) Image(string layer) => _shape.Length == 3
        ? (_shape[0], _shape[1], _shape[2])
        : throw new InvalidOperationException($"{layer} takes images [N, C, H, W]; the model gives features [N, {_shape[0]}] here.");

    private static int Fits(int size) => size >= 1 ? size : throw new InvalidOperationException("The window is larger than the image here.");

    private static int Positive(int value, string name)
    {
        Check.Channels(value, name);
        return value;
    }

    private static float[] InitialWeights(int inputs, int outputs, Initialization initialization, int seed)
    {
        var random = new Random(seed);
        var weights = new float[checked(inputs * outputs)];
        double heStd = Math.Sqrt(2.0 / inputs);
        double xavierLimit = Math.Sqrt(6.0 / (inputs + outputs));
        for (int i = 0; i < weights.Length; i++)
        {
            weights[i] = initialization == Initialization.He
                ? (float)(heStd * Gaussian(random))
                : (float)(xavierLimit * (2 * random.NextDouble() - 1));
        }

        return weights;
    }

    private static double Gaussian(Random random)
    {
        double u1 = 1.0 - random.NextDouble();
        double u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
