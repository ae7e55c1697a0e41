using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NativeBn.Benchmarks.Peers;

/// <summary>
/// The practical limit of inference: a bare load-FMA-store loop over the same data, no argument checks, no
/// dispatch, widest accelerated vector only (C must be a multiple of it: Vector512, Vector256 or, at the 128-bit level, Vector128). Not a usable API; the floor the engine is measured against.
/// </summary>
internal static class FmaLimit
{
    /// <summary>
    /// One row of a width the caller passes as a literal: inlined, so the loop has a constant trip count, as in code
    /// written by hand for one layer.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void InferRow(ReadOnlySpan<float> x, ReadOnlySpan<float> scale, ReadOnlySpan<float> shift, Span<float> y, int channels) =>
        Infer(x, scale, shift, y, 1, channels);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Infer(ReadOnlySpan<float> x, ReadOnlySpan<float> scale, ReadOnlySpan<float> shift, Span<float> y, int rows, int channels)
    {
        ref float rx = ref MemoryMarshal.GetReference(x);
        ref float rs = ref MemoryMarshal.GetReference(scale);
        ref float rb = ref MemoryMarshal.GetReference(shift);
        ref float ry = ref MemoryMarshal.GetReference(y);
        if (Vector512.IsHardwareAccelerated)
        {
            for (nint r = 0; r < rows; r++)
            {
                nint o = r * channels;
                for (nint j = 0; j < channels; j += 16)
                {
                    Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref rx, (nuint)(o + j)), Vector512.LoadUnsafe(ref rs, (nuint)j), Vector512.LoadUnsafe(ref rb, (nuint)j))
                        .StoreUnsafe(ref ry, (nuint)(o + j));
                }
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (nint r = 0; r < rows; r++)
            {
                nint o = r * channels;
                for (nint j = 0; j < channels; j += 8)
                {
                    Vector256.MultiplyAddEstimate(Vector256.LoadUnsafe(ref rx, (nuint)(o + j)), Vector256.LoadUnsafe(ref rs, (nuint)j), Vector256.LoadUnsafe(ref rb, (nuint)j))
                        .StoreUnsafe(ref ry, (nuint)(o + j));
                }
            }
        }
        else
        {
            for (nint r = 0; r < rows; r++)
            {
                nint o = r * channels;
                for (nint j = 0; j < channels; j += 4)
                {
                    Vector128.MultiplyAddEstimate(Vector128.LoadUnsafe(ref rx, (nuint)(o + j)), Vector128.LoadUnsafe(ref rs, (nuint)j), Vector128.LoadUnsafe(ref rb, (nuint)j))
                        .StoreUnsafe(ref ry, (nuint)(o + j));
                }
            }
        }
    }
}
