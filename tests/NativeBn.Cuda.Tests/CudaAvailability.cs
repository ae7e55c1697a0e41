namespace NativeBn.Cuda.Tests;

/// <summary>Opens device 0 once for the whole run, or keeps the reason it cannot be opened.</summary>
internal static class CudaAvailability
{
    private static readonly Lazy<(CudaDevice? Device, string Reason)> Opened = new(() =>
        CudaDevice.TryOpen(0, out CudaDevice? device, out string reason) ? (device, "") : (null, reason));

    /// <summary>Device 0; only called by tests that are skipped when it is unavailable.</summary>
    public static CudaDevice Device => Opened.Value.Device
        ?? throw new InvalidOperationException($"CUDA is unavailable: {Opened.Value.Reason}");

    /// <summary>Why CUDA is unavailable, or null when device 0 opened.</summary>
    public static string? SkipReason => Opened.Value.Device is null ? $"CUDA unavailable: {Opened.Value.Reason}" : null;
}
