using System.Globalization;

namespace NativeBn.Normalization;

/// <summary>
/// The numeric conventions of a batch-normalization layer: epsilon, and how running statistics are updated.
/// Presets carry each framework's defaults; converting weights between frameworks means converting these
/// explicitly (momentum meaning, stored variance bias, epsilon).
/// </summary>
public sealed class BatchNormConventions : IEquatable<BatchNormConventions>
{
    /// <summary>Creates conventions, validating every value.</summary>
    /// <param name="momentum">In [0, 1]; its meaning is given by <paramref name="momentumConvention"/> (ignored for <see cref="MomentumConvention.CumulativeAverage"/>).</param>
    /// <param name="momentumConvention">Update rate, decay, or cumulative average.</param>
    /// <param name="epsilon">Added to the variance before the square root; finite and greater than 0.</param>
    /// <param name="runningVariance">Whether the running variance stores the biased or the unbiased batch variance.</param>
    public BatchNormConventions(
        double momentum, MomentumConvention momentumConvention, double epsilon, RunningVarianceConvention runningVariance)
    {
        if (!Enum.IsDefined(momentumConvention))
        {
            throw new ArgumentOutOfRangeException(nameof(momentumConvention), momentumConvention, "Unknown momentum convention.");
        }

        if (!Enum.IsDefined(runningVariance))
        {
            throw new ArgumentOutOfRangeException(nameof(runningVariance), runningVariance, "Unknown running-variance convention.");
        }

        if (!(momentum >= 0 && momentum <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum,
                $"momentum must be in [0, 1], got {momentum.ToString(CultureInfo.InvariantCulture)}.");
        }

        if (!(epsilon > 0) || double.IsInfinity(epsilon))
        {
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon,
                $"epsilon must be finite and greater than 0, got {epsilon.ToString(CultureInfo.InvariantCulture)}.");
        }

        Momentum = momentum;
        MomentumConvention = momentumConvention;
        Epsilon = epsilon;
        RunningVariance = runningVariance;
    }

    /// <summary>PyTorch <c>BatchNorm*d</c> defaults: momentum 0.1 as update rate, eps 1e-5, unbiased running variance.</summary>
    public static BatchNormConventions PyTorch { get; } =
        new(0.1, MomentumConvention.UpdateRate, 1e-5, RunningVarianceConvention.Unbiased);

    /// <summary>PyTorch with <c>momentum=None</c>: cumulative average, eps 1e-5, unbiased running variance.</summary>
    public static BatchNormConventions PyTorchCumulativeAverage { get; } =
        new(0, MomentumConvention.CumulativeAverage, 1e-5, RunningVarianceConvention.Unbiased);

    /// <summary>Keras 3 <c>BatchNormalization</c> defaults: momentum 0.99 as decay, eps 1e-3, biased running variance.</summary>
    public static BatchNormConventions Keras { get; } =
        new(0.99, MomentumConvention.Decay, 1e-3, RunningVarianceConvention.Biased);

    /// <summary>tf-keras 2 with the fused TensorFlow kernel: momentum 0.99 as decay, eps 1e-3, unbiased running variance.</summary>
    public static BatchNormConventions TensorFlowFused { get; } =
        new(0.99, MomentumConvention.Decay, 1e-3, RunningVarianceConvention.Unbiased);

    /// <summary>ONNX <c>BatchNormalization</c> (opset 15) defaults: momentum 0.9 as decay, epsilon 1e-5, biased running variance.</summary>
    public static BatchNormConventions Onnx { get; } =
        new(0.9, MomentumConvention.Decay, 1e-5, RunningVarianceConvention.Biased);

    /// <summary>Momentum in [0, 1], read according to <see cref="MomentumConvention"/>.</summary>
    public double Momentum { get; }

    /// <summary>What <see cref="Momentum"/> means.</summary>
    public MomentumConvention MomentumConvention { get; }

    /// <summary>Epsilon added to the variance before the square root.</summary>
    public double Epsilon { get; }

    /// <summary>Which batch variance the running variance stores.</summary>
    public RunningVarianceConvention RunningVariance { get; }

    /// <summary>
    /// The weight <c>w</c> of the new batch in <c>running = (1 - w)·running + w·batch</c> for the
    /// <paramref name="updateNumber"/>-th update (1 for the first).
    /// </summary>
    public double NewBatchWeight(long updateNumber) => MomentumConvention switch
    {
        MomentumConvention.UpdateRate => Momentum,
        MomentumConvention.Decay => 1 - Momentum,
        _ => 1.0 / Math.Max(1, updateNumber),
    };

    /// <summary>
    /// The momentum expressed in another convention: an update rate m is the decay 1 - m and vice versa
    /// (PyTorch's 0.1 is Keras' 0.9). A cumulative average has no fixed momentum and throws.
    /// </summary>
    public double MomentumIn(MomentumConvention convention)
    {
        if (MomentumConvention == MomentumConvention.CumulativeAverage || convention == MomentumConvention.CumulativeAverage)
        {
            throw new InvalidOperationException("A cumulative average has no fixed momentum to convert.");
        }

        return convention == MomentumConvention ? Momentum : 1 - Momentum;
    }

    /// <summary>The same conventions with another epsilon.</summary>
    public BatchNormConventions WithEpsilon(double epsilon) => new(Momentum, MomentumConvention, epsilon, RunningVariance);

    /// <summary>The same conventions with another momentum and meaning.</summary>
    public BatchNormConventions WithMomentum(double momentum, MomentumConvention convention) =>
        new(momentum, convention, Epsilon, RunningVariance);

    /// <inheritdoc />
    public bool Equals(BatchNormConventions? other) =>
        other is not null && Momentum.Equals(other.Momentum) && MomentumConvention == other.MomentumConvention
        && Epsilon.Equals(other.Epsilon) && RunningVariance == other.RunningVariance;

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as BatchNormConventions);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Momentum, MomentumConvention, Epsilon, RunningVariance);

    /// <summary>e.g. <c>momentum 0.1 (update rate), eps 1e-05, unbiased running variance</c>.</summary>
    public override string ToString()
    {
        string momentum = MomentumConvention switch
        {
            MomentumConvention.UpdateRate => $"momentum {Momentum.ToString(CultureInfo.InvariantCulture)} (update rate)",
            MomentumConvention.Decay => $"momentum {Momentum.ToString(CultureInfo.InvariantCulture)} (decay)",
            _ => "cumulative average",
        };
        string variance = RunningVariance == RunningVarianceConvention.Unbiased ? "unbiased" : "biased";
        return $"{momentum}, eps {Epsilon.ToString(CultureInfo.InvariantCulture)}, {variance} running variance";
    }
}
