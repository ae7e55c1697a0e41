namespace NativeBn.Kernels;

/// <summary>
/// Each thread's float scratch for the kernel it runs on one sample (a convolution, a pooling, or its share of one
/// run on several threads): grows to the largest request and is then reused, so steady-state calls allocate nothing.
/// A kernel that shares its work among threads hands none of its own scratch to the shares, so a share running on the
/// calling thread may take this buffer again.
/// </summary>
internal static class KernelScratch
{
    [ThreadStatic]
    private static float[]? t_floats;

    /// <summary>At least <paramref name="length"/> floats with unspecified contents.</summary>
    public static float[] Floats(long length)
    {
        int size = checked((int)length);
        return t_floats is { } floats && floats.Length >= size ? floats : t_floats = new float[size];
    }
}
