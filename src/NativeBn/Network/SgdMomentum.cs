namespace NativeBn.Network;

/// <summary>Stochastic gradient descent with momentum as PyTorch implements it: <c>b = μ·b + g</c>, <c>p -= lr·b</c>.</summary>
public sealed class SgdMomentum : IOptimizer
{
    private float[][] _velocity = [];

    /// <summary>Creates the optimizer.</summary>
    public SgdMomentum(double learningRate, double momentum = 0.9)
    {
        if (!(learningRate > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, $"learningRate must be greater than 0, got {learningRate}.");
        }

        if (!(momentum >= 0 && momentum < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, $"momentum must be in [0, 1), got {momentum}.");
        }

        LearningRate = learningRate;
        Momentum = momentum;
    }

    /// <summary>Learning rate.</summary>
    public double LearningRate { get; }

    /// <summary>Momentum μ.</summary>
    public double Momentum { get; }

    /// <inheritdoc />
    public void Step(IReadOnlyList<Parameter> parameters)
    {
        if (_velocity.Length != parameters.Count)
        {
            _velocity = [.. parameters.Select(p => new float[p.Length])];
        }

        float lr = (float)LearningRate, mu = (float)Momentum;
        for (int k = 0; k < parameters.Count; k++)
        {
            Parameter parameter = parameters[k];
            if (!parameter.IsTrainable)
            {
                continue;
            }

            ReadOnlySpan<float> g = parameter.Gradient;
            Span<float> values = parameter.Values();
            float[] velocity = _velocity[k];
            for (int i = 0; i < values.Length; i++)
            {
                velocity[i] = mu * velocity[i] + g[i];
                values[i] -= lr * velocity[i];
            }
        }
    }
}
