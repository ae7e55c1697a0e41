namespace NativeBn.Network;

/// <summary>
/// Receives, during one prediction of
/// <see cref="InferencePlan.Predict(ReadOnlySpan{float}, Span{float}, int, IBatchNormInputObserver)"/>, the input of each
/// BatchNorm layer of the plan for that sample.
/// </summary>
public interface IBatchNormInputObserver
{
    /// <summary>
    /// The input of BatchNorm layer <paramref name="layer"/> (an index into <see cref="InferencePlan.BatchNorms"/>) for the
    /// sample being predicted: <c>C</c> values for <c>[N, C]</c>, or <c>C</c> planes of <c>H·W</c> values one after
    /// another for <c>[N, C, H, W]</c>. Called once per layer, in graph order, on the predicting thread after the
    /// prediction's arithmetic; the span is valid only during the call.
    /// </summary>
    void Observe(int layer, ReadOnlySpan<float> input);
}
