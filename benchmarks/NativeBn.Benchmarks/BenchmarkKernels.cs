namespace NativeBn.Benchmarks;

/// <summary>Generated kernels for the widths the generated-vs-generic benchmarks measure.</summary>
[BatchNormKernels(64, 256, 784, 1024)]
internal static partial class BenchmarkKernels;
