using NativeBn.Model;
using NativeBn.Model.Nodes;
using NativeBn.Normalization;

namespace NativeBn.Network;

/// <summary>
/// Builds a chain-shaped <see cref="ModelDescription"/> node by node, with initial weights: nodes are named by their
/// position from 0 (as PyTorch's <c>nn.Sequential</c> numbers its modules), which names their parameters
/// (<c>0.weight</c>, <c>1.running_mean</c>, ...), and read a graph input named <c>input</c> of shape
/// <c>[N, inputWidth]</c>. Weights are drawn from a generator seeded with <c>seed</c>, so a seed fixes the model.
/// </summary>
public sealed class SequentialBuilder
{
    private readonly List<ModelNode> _nodes = [];
    private readonly Random _random;
    private int _width;

    /// <summary>Starts a model taking <paramref name="inputWidth"/> features per sample.</summary>
    public SequentialBuilder(int inputWidth, int seed)
    {
        Check.Channels(inputWidth, nameof(inputWidth));
        InputWidth = inputWidth;
        _width = inputWidth;
        Seed = seed;
        _random = new Random(seed);
    }

    /// <summary>Features per sample in.</summary>
    public int InputWidth { get; }

    /// <summary>The seed of the initial weights (and of the dropout masks of <see cref="Build"/>).</summary>
    public int Seed { get; }

    private string Next => _nodes.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private string Previous => _nodes.Count == 0 ? "input" : _nodes[^1].Name;

    /// <summary>Adds a dense layer with <paramref name="outputs"/> outputs and weights drawn by <paramref name="initialization"/>, bias 0.</summary>
    public SequentialBuilder Dense(int outputs, Initialization initialization = Initialization.He)
    {
        Check.Channels(outputs, nameof(outputs));
        MemoryLimits.RequireFloats(4L * _width * outputs, $"Training a dense layer of {_width} inputs and {outputs} outputs (weights, gradients, optimizer state)");

        float[] weight = InitialWeights(_width, outputs, initialization, _random.Next());
        _nodes.Add(new DenseNode(Next, Previous, _width, outputs, weight, new float[outputs]));
        _width = outputs;
        return this;
    }

    /// <summary>Adds a dense layer with the given weights <c>[outputs, inputs]</c> and bias.</summary>
    public SequentialBuilder Dense(int outputs, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias)
    {
        Check.Channels(outputs, nameof(outputs));
        _nodes.Add(new DenseNode(Next, Previous, _width, outputs, weight, bias));
        _width = outputs;
        return this;
    }

    /// <summary>Adds a BatchNorm over the current features: gamma 1, beta 0, running mean 0 and variance 1.</summary>
    public SequentialBuilder BatchNorm(BatchNormOptions? options = null)
    {
        int c = _width;
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

        return new ModelDescription([new ModelInput("input", ShapeInfo.Features(InputWidth))], _nodes, [_nodes[^1].Name]);
    }

    /// <summary>A trainable model with buffers planned for batches of up to <paramref name="maxBatch"/> samples.</summary>
    public Sequential Build(int maxBatch) => new(Describe(), maxBatch, Seed);

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
