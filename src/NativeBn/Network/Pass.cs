using NativeBn.Normalization;

namespace NativeBn.Network;

/// <summary>How a forward pass runs: training (batch statistics, dropout on) or inference in a regime.</summary>
/// <param name="Training">True for a training step.</param>
/// <param name="Regime">The inference regime when not training.</param>
/// <param name="SingleValue">For <see cref="InferenceRegime.BatchStatistics"/>: the single-value policy of this pass, or null for each layer's own.</param>
internal readonly record struct Pass(bool Training, InferenceRegime Regime, SingleValuePolicy? SingleValue = null)
{
    public static Pass Train => new(true, InferenceRegime.Running);
}
