using NativeBn.Normalization;

namespace NativeBn.Network;

/// <summary>
/// Builds a <see cref="Sequential"/> model layer by layer. Layers are numbered from 0 in order (as PyTorch's
/// <c>nn.Sequential</c> numbers its modules), which names their parameters (<c>0.weight</c>, <c>1.running_mean</c>, ...).
/// Weights are initialized from a generator seeded with <c>seed</c>, so a seed fixes the model.
/// </summary>
public sealed class SequentialBuilder
{
    private readonly List<Func<int, int, Layer>> _factories = [];
    private readonly Random _random;
    private int _width;

    /// <summary>Starts a model taking <paramref name="inputWidth"/> features per sample.</summary>
    public SequentialBuilder(int inputWidth, int seed)
    {
        Check.Channels(inputWidth, nameof(inputWidth));
        InputWidth = inputWidth;
        _width = inputWidth;
        _random = new Random(seed);
    }

    /// <summary>Features per sample in.</summary>
    public int InputWidth { get; }

    /// <summary>Adds a dense layer with <paramref name="outputs"/> outputs.</summary>
    public SequentialBuilder Dense(int outputs, Initialization initialization = Initialization.He)
    {
        Check.Channels(outputs, nameof(outputs));
        int inputs = _width;
        int seed = _random.Next();
        _factories.Add((index, _) =>
        {
            var layer = new DenseLayer(index, inputs, outputs);
            layer.SetParameters(InitialWeights(inputs, outputs, initialization, seed), new float[outputs]);
            return layer;
        });
        _width = outputs;
        return this;
    }

    /// <summary>Adds a BatchNorm over the current features.</summary>
    public SequentialBuilder BatchNorm(BatchNormOptions? options = null)
    {
        int width = _width;
        BatchNormOptions layerOptions = options ?? new BatchNormOptions();
        _factories.Add((index, _) => new BatchNormLayer(index, width, layerOptions));
        return this;
    }

    /// <summary>Adds a ReLU.</summary>
    public SequentialBuilder Relu()
    {
        int width = _width;
        _factories.Add((_, _) => new ReluLayer(width));
        return this;
    }

    /// <summary>Adds inverted dropout with the given rate in [0, 1).</summary>
    public SequentialBuilder Dropout(double rate)
    {
        if (!(rate >= 0 && rate < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(rate), rate, $"rate must be in [0, 1), got {rate}.");
        }

        int width = _width;
        int seed = _random.Next();
        _factories.Add((_, maxBatch) => new DropoutLayer(width, rate, seed, maxBatch));
        return this;
    }

    /// <summary>Creates the model with buffers planned for batches of up to <paramref name="maxBatch"/> samples.</summary>
    public Sequential Build(int maxBatch)
    {
        if (_factories.Count == 0)
        {
            throw new InvalidOperationException("A model needs at least one layer.");
        }

        if (maxBatch < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(maxBatch), maxBatch, $"maxBatch must be at least 1, got {maxBatch}.");
        }

        Layer[] layers = [.. _factories.Select((factory, index) => factory(index, maxBatch))];
        return new Sequential(InputWidth, layers, maxBatch);
    }

    private static float[] InitialWeights(int inputs, int outputs, Initialization initialization, int seed)
    {
        var random = new Random(seed);
        var weights = new float[inputs * outputs];
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
