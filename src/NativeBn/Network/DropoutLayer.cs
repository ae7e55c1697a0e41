using NativeBn.Model;
using NativeBn.Model.Nodes;

namespace NativeBn.Network;

/// <summary>
/// Inverted dropout: in training each value is zeroed with probability <see cref="Rate"/> and the rest are scaled by
/// <c>1/(1 - rate)</c>; at inference it is the identity. The mask comes from a seeded generator, so training is
/// reproducible. The scaling keeps the mean but not the variance, which is why a BatchNorm after dropout sees
/// different statistics in training and inference (Li et al., CVPR 2019).
/// </summary>
public sealed class DropoutLayer : Layer
{
    private readonly Random _random;
    private readonly float[] _mask;

    internal DropoutLayer(string name, int width, double rate, int seed, int maxBatch)
        : base(name, width, width)
    {
        if (!(rate >= 0 && rate < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(rate), rate, $"rate must be in [0, 1), got {rate}.");
        }

        Rate = rate;
        _random = new Random(seed);
        _mask = new float[checked(width * maxBatch)];
    }

    /// <inheritdoc />
    public override LayerKind Kind => LayerKind.Dropout;

    /// <summary>Probability of zeroing a value in training.</summary>
    public double Rate { get; }

    internal override ModelNode ToNode(string input) => new DropoutNode(Name, input, Rate);

    internal override void Forward(ReadOnlySpan<float> input, Span<float> output, int batch, Pass pass)
    {
        int length = batch * InputWidth;
        if (!pass.Training)
        {
            input[..length].CopyTo(output);
            return;
        }

        float keep = (float)(1 / (1 - Rate));
        for (int i = 0; i < length; i++)
        {
            _mask[i] = _random.NextDouble() < Rate ? 0f : keep;
            output[i] = input[i] * _mask[i];
        }
    }

    internal override void Backward(
        ReadOnlySpan<float> input, ReadOnlySpan<float> output, ReadOnlySpan<float> outputGradient, Span<float> inputGradient, int batch)
    {
        int length = batch * InputWidth;
        for (int i = 0; i < length; i++)
        {
            inputGradient[i] = outputGradient[i] * _mask[i];
        }
    }
}
