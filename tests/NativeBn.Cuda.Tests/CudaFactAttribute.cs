namespace NativeBn.Cuda.Tests;

/// <summary>A fact that runs where a CUDA device opens and is reported as skipped, with the reason, elsewhere.</summary>
internal sealed class CudaFactAttribute : FactAttribute
{
    public CudaFactAttribute() => Skip = CudaAvailability.SkipReason;
}
