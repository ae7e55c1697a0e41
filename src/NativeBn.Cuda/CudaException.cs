namespace NativeBn.Cuda;

/// <summary>A CUDA driver call failed; the message carries the call and the driver's own description.</summary>
public sealed class CudaException : Exception
{
    internal CudaException(int status, string call, string description)
        : base($"{call} failed with CUDA error {status}: {description}")
    {
        Status = status;
    }

    /// <summary>The driver's <c>CUresult</c>.</summary>
    public int Status { get; }
}
