using System.Runtime.InteropServices;

namespace NativeBn.Cuda;

/// <summary>A device allocation of <see cref="Length"/> elements of type <typeparamref name="T"/>, freed when disposed.</summary>
/// <typeparam name="T">float or double.</typeparam>
public sealed unsafe class CudaMemory<T> : SafeHandle
    where T : unmanaged
{
    private readonly CudaDevice _device;

    internal CudaMemory(CudaDevice device, int length)
        : base(0, ownsHandle: true)
    {
        if (length < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, $"length must be at least 1, got {length}.");
        }

        _device = device;
        Length = length;
        device.MakeCurrent();
        CudaDriver.Check(CudaDriver.MemAlloc(out ulong pointer, (nuint)length * (nuint)sizeof(T)), "cuMemAlloc");
        SetHandle((nint)pointer);
    }

    /// <summary>Elements in the allocation.</summary>
    public int Length { get; }

    /// <inheritdoc />
    public override bool IsInvalid => handle == 0;

    internal ulong Pointer => (ulong)handle;

    /// <summary>Copies <paramref name="source"/> (exactly <see cref="Length"/> elements) to the device and waits.</summary>
    public void Upload(ReadOnlySpan<T> source)
    {
        Require(source.Length, nameof(source));
        _device.MakeCurrent();
        fixed (T* p = source)
        {
            CudaDriver.Check(CudaDriver.MemcpyHtoDAsync(Pointer, p, (nuint)source.Length * (nuint)sizeof(T), _device.Stream), "cuMemcpyHtoDAsync");
            _device.Synchronize();
        }
    }

    /// <summary>Copies the device contents into <paramref name="destination"/> (exactly <see cref="Length"/> elements) after the stream's work.</summary>
    public void Download(Span<T> destination)
    {
        Require(destination.Length, nameof(destination));
        _device.MakeCurrent();
        fixed (T* p = destination)
        {
            CudaDriver.Check(CudaDriver.MemcpyDtoHAsync(p, Pointer, (nuint)destination.Length * (nuint)sizeof(T), _device.Stream), "cuMemcpyDtoHAsync");
            _device.Synchronize();
        }
    }

    /// <inheritdoc />
    protected override bool ReleaseHandle()
    {
        _device.MakeCurrent();
        return CudaDriver.MemFree((ulong)handle) == CudaDriver.Success;
    }

    private void Require(int length, string name)
    {
        if (length != Length)
        {
            throw new ArgumentException($"{name} has {length} elements; the device buffer holds {Length}.", name);
        }
    }
}
