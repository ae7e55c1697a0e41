namespace NativeBn.Kernels;

/// <summary>
/// Generated kernels for the channel counts layers most often have. The engine uses them for channels-last data
/// that fits in one chunk (N·C ≤ 65,536 values) and the hand-written generic kernels everywhere else; the two give
/// bit-identical results, so which one runs never changes an answer.
/// </summary>
[BatchNormKernels(16, 32, 64, 128, 256, 512, 1024)]
internal static partial class CommonWidthKernels;
