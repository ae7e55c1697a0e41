namespace NativeBn.Tests.Kernels;

/// <summary>Generated kernels for widths that exercise every body: scalar only (1, 3), overlapping tails (17, 100), large (784, 1024).</summary>
[BatchNormKernels(1, 3, 17, 64, 100, 784, 1024)]
internal static partial class TestWidthKernels;
