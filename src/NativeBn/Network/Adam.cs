namespace NativeBn.Network;

/// <summary>
/// Adam (Kingma and Ba 2015) as PyTorch implements it: <c>m = β1·m + (1-β1)·g</c>, <c>v = β2·v + (1-β2)·g²</c>,
/// <c>p -= lr·m̂/(sqrt(v̂) + eps)</c> with bias corrections <c>m̂ = m/(1-β1^t)</c>, <c>v̂ = v/(1-β2^t)</c>.
/// </summary>
public sealed class Adam : IOptimizer
{
    private float[][] _m = [];
    private float[][] _v = [];
    private long _step;

    /// <summary>Creates the optimizer.</summary>
    public Adam(double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8)
    {
        if (!(learningRate > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, $"learningRate must be greater than 0, got {learningRate}.");
        }

        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(beta1), $"beta1 and beta2 must be in [0, 1), got {beta1} and {beta2}.");
        }

        LearningRate = learningRate;
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
    }

    /// <summary>Learning rate.</summary>
    public double LearningRate { get; }

    /// <summary>Decay of the first moment.</summary>
    public double Beta1 { get; }

    /// <summary>Decay of the second moment.</summary>
    public double Beta2 { get; }

    /// <summary>Added to the root of the second moment.</summary>
    public double Epsilon { get; }

    /// <inheritdoc />
    public void Step(IReadOnlyList<Parameter> parameters)
    {
        if (_m.Length != parameters.Count)
        {
            _m = [.. parameters.Select(p => new float[p.Length])];
            _v = [.. parameters.Select(p => new float[p.Length])];
        }

        _step++;
        double correction1 = 1 - Math.Pow(Beta1, _step);
        double correction2 = 1 - Math.Pow(Beta2, _step);
        float stepSize = (float)(LearningRate / correction1);
        float rootCorrection2 = (float)Math.Sqrt(correction2);
        float beta1 = (float)Beta1, beta2 = (float)Beta2, eps = (float)Epsilon;
        for (int k = 0; k < parameters.Count; k++)
        {
            Parameter parameter = parameters[k];
            if (!parameter.IsTrainable)
            {
                continue;
            }

            ReadOnlySpan<float> g = parameter.Gradient;
            Span<float> values = parameter.Values();
            float[] m = _m[k], v = _v[k];
            for (int i = 0; i < values.Length; i++)
            {
                m[i] = beta1 * m[i] + (1 - beta1) * g[i];
                v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
                values[i] -= stepSize * m[i] / (MathF.Sqrt(v[i]) / rootCorrection2 + eps);
            }
        }
    }
}
