using System.Runtime.InteropServices;

namespace NativeBn.Cuda;

/// <summary>A loaded PTX module, unloaded when disposed. Loading reports a driver too old for the PTX distinctly.</summary>
internal sealed unsafe class CudaModuleHandle : SafeHandle
{
    private CudaModuleHandle()
        : base(0, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == 0;

    /// <summary>Loads NUL-terminated PTX text; returns the driver status.</summary>
    public static int TryLoad(ReadOnlySpan<byte> ptx, out CudaModuleHandle module)
    {
        module = new CudaModuleHandle();
        byte[] image = [.. ptx, 0];
        fixed (byte* p = image)
        {
            int status = CudaDriver.ModuleLoadData(out nint handle, p);
            if (status == CudaDriver.Success)
            {
                module.SetHandle(handle);
            }

            return status;
        }
    }

    public nint Function(string name)
    {
        CudaDriver.Check(CudaDriver.ModuleGetFunction(out nint function, handle, name), $"cuModuleGetFunction({name})");
        return function;
    }

    protected override bool ReleaseHandle() => CudaDriver.ModuleUnload(handle) == CudaDriver.Success;
}
