namespace NativeBn.Tests;

/// <summary>
/// Tests that must not run while other tests do (process-wide allocation counts, the shared worker team's workers, the GEMM block reservation): xunit
/// runs them alone, after the parallel ones.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialCollection
{
    public const string Name = "Serial";
}
