using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NativeBn.Kernels;

/// <summary>
/// The SIMD width the kernels use, chosen at run time: the widest hardware-accelerated vector
/// (Vector512, Vector256, Vector128) that fits in a contiguous run, else scalar code.
/// </summary>
public static class SimdWidth
{
    /// <summary>Floats per vector of the widest accelerated width in this process: 16, 8, 4, or 1 (scalar).</summary>
    public static int MaxFloats
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector512.IsHardwareAccelerated ? 16
            : Vector256.IsHardwareAccelerated ? 8
            : Vector128.IsHardwareAccelerated ? 4
            : 1;
    }

    /// <summary>
    /// Floats per vector the kernels use for contiguous runs of <paramref name="runLength"/> values. Inlined, so a
    /// constant run length folds the choice to one width when the JIT compiles the caller.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int ForRun(int runLength)
    {
        int max = MaxFloats;
        return max >= 16 && runLength >= 16 ? 16
            : max >= 8 && runLength >= 8 ? 8
            : max >= 4 && runLength >= 4 ? 4
            : 1;
    }

    /// <summary>A name for a width in floats: "Vector512", "Vector256", "Vector128" or "scalar".</summary>
    public static string Describe(int floats) => floats switch
    {
        16 => "Vector512",
        8 => "Vector256",
        4 => "Vector128",
        _ => "scalar",
    };
}
