namespace NativeBn.Cuda.Tests;

/// <summary>A theory that runs where a CUDA device opens and is reported as skipped, with the reason, elsewhere.</summary>
internal sealed class CudaTheoryAttribute : TheoryAttribute
{
    public CudaTheoryAttribute() => Skip = CudaAvailability.SkipReason;
}
