using System.Runtime.InteropServices;

namespace NativeBn.Cuda;

/// <summary>
/// The CUDA driver API functions NativeBn uses, from libcuda.so.1 (installed with the NVIDIA driver; no toolkit needed).
/// Versioned entry points (<c>_v2</c>) are the ones the CUDA headers map the plain names to.
/// </summary>
internal static unsafe partial class CudaDriver
{
    public const string Library = "libcuda.so.1";
    public const int Success = 0;
    public const int ErrorNoDevice = 100;
    public const int ErrorUnsupportedPtxVersion = 222;
    public const int ErrorInvalidPtx = 218;
    public const int ComputeCapabilityMajor = 75;
    public const int ComputeCapabilityMinor = 76;

    [LibraryImport(Library, EntryPoint = "cuInit")]
    public static partial int Init(uint flags);

    [LibraryImport(Library, EntryPoint = "cuDriverGetVersion")]
    public static partial int DriverGetVersion(out int version);

    [LibraryImport(Library, EntryPoint = "cuDeviceGetCount")]
    public static partial int DeviceGetCount(out int count);

    [LibraryImport(Library, EntryPoint = "cuDeviceGet")]
    public static partial int DeviceGet(out int device, int ordinal);

    [LibraryImport(Library, EntryPoint = "cuDeviceGetName")]
    public static partial int DeviceGetName(byte* name, int length, int device);

    [LibraryImport(Library, EntryPoint = "cuDeviceGetAttribute")]
    public static partial int DeviceGetAttribute(out int value, int attribute, int device);

    [LibraryImport(Library, EntryPoint = "cuDevicePrimaryCtxRetain")]
    public static partial int DevicePrimaryCtxRetain(out nint context, int device);

    [LibraryImport(Library, EntryPoint = "cuDevicePrimaryCtxRelease_v2")]
    public static partial int DevicePrimaryCtxRelease(int device);

    [LibraryImport(Library, EntryPoint = "cuCtxSetCurrent")]
    public static partial int CtxSetCurrent(nint context);

    [LibraryImport(Library, EntryPoint = "cuModuleLoadData")]
    public static partial int ModuleLoadData(out nint module, byte* image);

    [LibraryImport(Library, EntryPoint = "cuModuleUnload")]
    public static partial int ModuleUnload(nint module);

    [LibraryImport(Library, EntryPoint = "cuModuleGetFunction", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int ModuleGetFunction(out nint function, nint module, string name);

    [LibraryImport(Library, EntryPoint = "cuMemAlloc_v2")]
    public static partial int MemAlloc(out ulong pointer, nuint bytes);

    [LibraryImport(Library, EntryPoint = "cuMemFree_v2")]
    public static partial int MemFree(ulong pointer);

    [LibraryImport(Library, EntryPoint = "cuMemcpyHtoDAsync_v2")]
    public static partial int MemcpyHtoDAsync(ulong destination, void* source, nuint bytes, nint stream);

    [LibraryImport(Library, EntryPoint = "cuMemcpyDtoHAsync_v2")]
    public static partial int MemcpyDtoHAsync(void* destination, ulong source, nuint bytes, nint stream);

    [LibraryImport(Library, EntryPoint = "cuStreamCreate")]
    public static partial int StreamCreate(out nint stream, uint flags);

    [LibraryImport(Library, EntryPoint = "cuStreamDestroy_v2")]
    public static partial int StreamDestroy(nint stream);

    [LibraryImport(Library, EntryPoint = "cuStreamSynchronize")]
    public static partial int StreamSynchronize(nint stream);

    [LibraryImport(Library, EntryPoint = "cuLaunchKernel")]
    public static partial int LaunchKernel(
        nint function, uint gridX, uint gridY, uint gridZ, uint blockX, uint blockY, uint blockZ,
        uint sharedBytes, nint stream, void** parameters, void** extra);

    [LibraryImport(Library, EntryPoint = "cuGetErrorString")]
    public static partial int GetErrorString(int error, out byte* message);

    /// <summary>Throws <see cref="CudaException"/> with the driver's message unless <paramref name="status"/> is success.</summary>
    public static void Check(int status, string call)
    {
        if (status != Success)
        {
            throw new CudaException(status, call, Describe(status));
        }
    }

    /// <summary>The driver's description of an error code.</summary>
    public static string Describe(int status) =>
        GetErrorString(status, out byte* message) == Success && message is not null
            ? Marshal.PtrToStringUTF8((nint)message) ?? $"CUDA error {status}"
            : $"CUDA error {status}";
}
