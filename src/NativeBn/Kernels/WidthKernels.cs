namespace NativeBn.Kernels;

/// <summary>The kernels for one channel width, as a generated class's <c>TryGetKernels</c> returns them.</summary>
/// <param name="Width">Channels per row; 0 for kernels that take any width (those of <see cref="GenericKernels"/>).</param>
/// <param name="Infer"><c>y = x·scale + shift</c>.</param>
/// <param name="InferRelu"><c>y = max(x·scale + shift, 0)</c>.</param>
/// <param name="Normalize"><c>y = (x - mean)·scale + shift</c>.</param>
/// <param name="InputGradient"><c>dx = a·dy + (a·(x - mean))·k + e</c>.</param>
/// <param name="Statistics">Per-channel mean and M2.</param>
/// <param name="GradientSums">Per-channel Σdy and Σdy·(x - mean).</param>
public sealed record WidthKernels(
    int Width,
    AffineKernel Infer,
    AffineKernel InferRelu,
    NormalizeKernel Normalize,
    InputGradientKernel InputGradient,
    StatisticsKernel Statistics,
    GradientSumsKernel GradientSums);
