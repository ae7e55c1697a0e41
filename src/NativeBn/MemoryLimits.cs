using System.Globalization;

namespace NativeBn;

/// <summary>
/// The memory NativeBn lets one model take, checked before anything is allocated: at most
/// <see cref="MaxModelBytes"/> (4 GiB) and at most 80 % of the memory available to the process. A request beyond it
/// throws <see cref="InsufficientMemoryException"/> stating the number, instead of failing half-way with an
/// out-of-memory error.
/// </summary>
public static class MemoryLimits
{
    /// <summary>The documented ceiling of one model's weights, buffers and training state: 4 GiB.</summary>
    public const long MaxModelBytes = 4L << 30;

    /// <summary>The bytes a model may take in this process: the ceiling, or 80 % of the available memory when that is less.</summary>
    public static long ModelBytes => Math.Min(MaxModelBytes, (long)(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes * 0.8));

    /// <summary>Throws unless <paramref name="values"/> 4-byte values for <paramref name="what"/> fit in <see cref="ModelBytes"/>.</summary>
    public static void RequireFloats(long values, string what)
    {
        long limit = ModelBytes;
        if (values < 0 || values > limit / sizeof(float))
        {
            throw new InsufficientMemoryException(string.Create(CultureInfo.InvariantCulture,
                $"{what} needs {values:N0} floats ({values * (double)sizeof(float) / (1 << 20):N0} MiB); a model may take at most {limit / (1 << 20):N0} MiB here."));
        }
    }
}
