using System.Runtime.InteropServices;

namespace NativeBn.Cuda;

/// <summary>A retained primary context of one device, released when disposed.</summary>
internal sealed class CudaContextHandle : SafeHandle
{
    private readonly int _device;

    public CudaContextHandle(int device)
        : base(0, ownsHandle: true)
    {
        _device = device;
        CudaDriver.Check(CudaDriver.DevicePrimaryCtxRetain(out nint context, device), "cuDevicePrimaryCtxRetain");
        SetHandle(context);
    }

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle() => CudaDriver.DevicePrimaryCtxRelease(_device) == CudaDriver.Success;
}
