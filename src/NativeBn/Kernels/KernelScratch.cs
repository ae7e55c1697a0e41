namespace NativeBn.Kernels;

/// <summary>
/// Each thread's float scratch for the kernel it runs on one sample (a convolution, a pooling, or its share of one
/// run on several threads): grows to the largest request and is then reused, so steady-state calls allocate nothing.
/// A kernel that shares its work among threads hands none of its own scratch to the shares, so a share running on the
/// calling thread may take this buffer again. The floats start on a 64-byte boundary (<see cref="AlignedBuffer"/>).
/// </summary>
internal static class KernelScratch
{
    [ThreadStatic]
    private static AlignedBuffer? t_floats;

    /// <summary>Exactly <paramref name="length"/> floats with unspecified contents, starting on a 64-byte boundary.</summary>
    public static Span<float> Floats(long length) => (t_floats ??= new AlignedBuffer()).Get(checked((int)length));
}
