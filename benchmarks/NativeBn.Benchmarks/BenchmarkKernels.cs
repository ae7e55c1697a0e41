namespace NativeBn.Benchmarks;

/// <summary>Generated kernels for the widths the generated-vs-generic benchmarks measure.</summary>
[BatchNormKernels(16, 32, 64, 128, 256, 512, 784, 1024)]
internal static partial class BenchmarkKernels;
