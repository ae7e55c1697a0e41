using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;

namespace NativeBn.Cuda;

/// <summary>
/// One CUDA device with NativeBn's kernels loaded: its primary context, the PTX module (embedded in this assembly,
/// compiled for sm_70 with PTX ISA 6.0), the kernel handles and a stream. Open it with <see cref="TryOpen"/>, which
/// says exactly why CUDA is unavailable when it is. Every failing driver call throws <see cref="CudaException"/>.
/// </summary>
public sealed unsafe class CudaDevice : IDisposable
{
    /// <summary>Threads per block of every kernel (the PTX is compiled for this block size).</summary>
    internal const int BlockSize = 256;

    internal static readonly string[] KernelNames =
        ["nbn_affine", "nbn_centered_affine", "nbn_input_gradient", "nbn_moments", "nbn_gradient_sums"];

    private readonly CudaContextHandle _context;
    private readonly CudaModuleHandle _module;
    private readonly Dictionary<string, nint> _functions = [];

    private CudaDevice(int ordinal, CudaContextHandle context, CudaModuleHandle module, string name, int capability, int driverVersion)
    {
        Ordinal = ordinal;
        _context = context;
        _module = module;
        Name = name;
        ComputeCapability = capability;
        DriverVersion = driverVersion;
        MakeCurrent();
        CudaDriver.Check(CudaDriver.StreamCreate(out nint stream, 0), "cuStreamCreate");
        Stream = stream;
        foreach (string kernel in KernelNames)
        {
            _functions[kernel] = module.Function(kernel);
        }
    }

    /// <summary>The device's ordinal.</summary>
    public int Ordinal { get; }

    /// <summary>The device's name, e.g. "NVIDIA H100 80GB HBM3".</summary>
    public string Name { get; }

    /// <summary>Compute capability as major·10 + minor (70 for sm_70).</summary>
    public int ComputeCapability { get; }

    /// <summary>Driver version as CUDA encodes it (major·1000 + minor·10).</summary>
    public int DriverVersion { get; }

    internal nint Stream { get; }

    /// <summary>
    /// Opens device <paramref name="ordinal"/>, or says why it cannot: no libcuda.so.1 (no NVIDIA driver), a failing
    /// cuInit, no such device, a compute capability below 7.0, or a driver too old for the PTX.
    /// </summary>
    public static bool TryOpen(int ordinal, [NotNullWhen(true)] out CudaDevice? device, out string reason)
    {
        device = null;
        if (!NativeLibrary.TryLoad(CudaDriver.Library, out _))
        {
            reason = $"{CudaDriver.Library} is not installed (no NVIDIA driver on this machine)";
            return false;
        }

        int status = CudaDriver.Init(0);
        if (status != CudaDriver.Success)
        {
            reason = status == CudaDriver.ErrorNoDevice
                ? "the NVIDIA driver reports no CUDA device"
                : $"cuInit failed: {CudaDriver.Describe(status)}";
            return false;
        }

        CudaDriver.Check(CudaDriver.DeviceGetCount(out int count), "cuDeviceGetCount");
        if (ordinal < 0 || ordinal >= count)
        {
            reason = count == 0 ? "no CUDA device" : $"device {ordinal} does not exist ({count} devices)";
            return false;
        }

        CudaDriver.Check(CudaDriver.DeviceGet(out int handle, ordinal), "cuDeviceGet");
        CudaDriver.Check(CudaDriver.DeviceGetAttribute(out int major, CudaDriver.ComputeCapabilityMajor, handle), "cuDeviceGetAttribute");
        CudaDriver.Check(CudaDriver.DeviceGetAttribute(out int minor, CudaDriver.ComputeCapabilityMinor, handle), "cuDeviceGetAttribute");
        CudaDriver.Check(CudaDriver.DriverGetVersion(out int driverVersion), "cuDriverGetVersion");
        byte* name = stackalloc byte[256];
        CudaDriver.Check(CudaDriver.DeviceGetName(name, 256, handle), "cuDeviceGetName");
        string deviceName = Marshal.PtrToStringUTF8((nint)name) ?? "CUDA device";
        if (major < 7)
        {
            reason = $"{deviceName} has compute capability {major}.{minor}; the kernels need 7.0 (sm_70) or later";
            return false;
        }

        var context = new CudaContextHandle(handle);
        CudaDriver.Check(CudaDriver.CtxSetCurrent(context.DangerousGetHandle()), "cuCtxSetCurrent");
        status = CudaModuleHandle.TryLoad(Ptx(), out CudaModuleHandle module);
        if (status != CudaDriver.Success)
        {
            context.Dispose();
            reason = status is CudaDriver.ErrorUnsupportedPtxVersion or CudaDriver.ErrorInvalidPtx
                ? $"the driver ({driverVersion / 1000}.{driverVersion % 1000 / 10}) is too old for the kernels' PTX (ISA 6.0, sm_70): {CudaDriver.Describe(status)}"
                : $"loading the kernels failed: {CudaDriver.Describe(status)}";
            return false;
        }

        device = new CudaDevice(ordinal, context, module, deviceName, major * 10 + minor, driverVersion);
        reason = "";
        return true;
    }

    /// <summary>One line on CUDA's availability, as <c>nativebn info</c> prints it.</summary>
    public static string Describe()
    {
        if (!TryOpen(0, out CudaDevice? device, out string reason))
        {
            return $"unavailable: {reason}";
        }

        using (device)
        {
            return $"available: {device.Name} (sm_{device.ComputeCapability}), driver {device.DriverVersion / 1000}.{device.DriverVersion % 1000 / 10}";
        }
    }

    /// <summary>A device buffer of floats.</summary>
    public CudaMemory<float> AllocateFloats(int length) => new(this, length);

    /// <summary>A device buffer of doubles.</summary>
    public CudaMemory<double> AllocateDoubles(int length) => new(this, length);

    /// <summary>Waits for all work queued on the device's stream.</summary>
    public void Synchronize() => CudaDriver.Check(CudaDriver.StreamSynchronize(Stream), "cuStreamSynchronize");

    /// <inheritdoc />
    public void Dispose()
    {
        MakeCurrent();
        CudaDriver.StreamDestroy(Stream);
        _module.Dispose();
        _context.Dispose();
    }

    internal void MakeCurrent() => CudaDriver.Check(CudaDriver.CtxSetCurrent(_context.DangerousGetHandle()), "cuCtxSetCurrent");

    /// <summary>Launches a kernel with <paramref name="blocks"/> blocks of <see cref="BlockSize"/> threads.</summary>
    internal void Launch(string kernel, uint blocks, ReadOnlySpan<nint> arguments)
    {
        MakeCurrent();
        void** parameters = stackalloc void*[arguments.Length];
        for (int i = 0; i < arguments.Length; i++)
        {
            parameters[i] = (void*)arguments[i];
        }

        CudaDriver.Check(
            CudaDriver.LaunchKernel(_functions[kernel], Math.Max(1, blocks), 1, 1, BlockSize, 1, 1, 0, Stream, parameters, null),
            $"cuLaunchKernel({kernel})");
    }

    private static byte[] Ptx()
    {
        using Stream resource = typeof(CudaDevice).Assembly.GetManifestResourceStream("batchnorm.ptx")
            ?? throw new InvalidOperationException("The embedded PTX is missing from NativeBn.Cuda.");
        using var copy = new MemoryStream();
        resource.CopyTo(copy);
        return copy.ToArray();
    }
}
