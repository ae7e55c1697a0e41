namespace NativeBn.Network;

/// <summary>How a forward pass runs: training (batch statistics, dropout on) or inference in a regime.</summary>
/// <param name="Training">True for a training step.</param>
/// <param name="Regime">The inference regime when not training.</param>
internal readonly record struct Pass(bool Training, InferenceRegime Regime)
{
    public static Pass Train => new(true, InferenceRegime.Running);
}
