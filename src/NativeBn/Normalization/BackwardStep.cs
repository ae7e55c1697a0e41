namespace NativeBn.Normalization;

/// <summary>The decisions of one backward pass of <see cref="BatchNorm"/>.</summary>
/// <param name="Shape">The batch's shape.</param>
/// <param name="Batch">True when the forward pass normalized with batch statistics.</param>
/// <param name="NeedsSums">Whether <c>Σdy</c> and <c>Σdy·(x - mean)</c> must be computed.</param>
internal readonly record struct BackwardStep(TensorShape Shape, bool Batch, bool NeedsSums);
