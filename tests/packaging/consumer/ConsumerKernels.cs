namespace Consumer;

/// <summary>Kernels of width 64 from the source generator that the NativeBn package carries.</summary>
[NativeBn.BatchNormKernels(64)]
internal static partial class ConsumerKernels;
