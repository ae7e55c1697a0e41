using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NativeBn.Kernels;

/// <summary>8x8 transposes of floats on 256-bit vectors (AVX): between 8 planes and a plane of 8-channel vectors.</summary>
internal static class Transpose8
{
    /// <summary>Floats per side.</summary>
    public const int Side = 8;

    /// <summary>The 8x8 transpose: output k holds lane k of each of the 8 inputs, in order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Registers(
        Vector256<float> r0, Vector256<float> r1, Vector256<float> r2, Vector256<float> r3,
        Vector256<float> r4, Vector256<float> r5, Vector256<float> r6, Vector256<float> r7,
        out Vector256<float> o0, out Vector256<float> o1, out Vector256<float> o2, out Vector256<float> o3,
        out Vector256<float> o4, out Vector256<float> o5, out Vector256<float> o6, out Vector256<float> o7)
    {
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1), t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5), t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
        Vector256<float> s0 = Avx.Shuffle(t0, t2, 0x44), s1 = Avx.Shuffle(t0, t2, 0xEE), s2 = Avx.Shuffle(t1, t3, 0x44), s3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> s4 = Avx.Shuffle(t4, t6, 0x44), s5 = Avx.Shuffle(t4, t6, 0xEE), s6 = Avx.Shuffle(t5, t7, 0x44), s7 = Avx.Shuffle(t5, t7, 0xEE);
        o0 = Avx.Permute2x128(s0, s4, 0x20);
        o1 = Avx.Permute2x128(s1, s5, 0x20);
        o2 = Avx.Permute2x128(s2, s6, 0x20);
        o3 = Avx.Permute2x128(s3, s7, 0x20);
        o4 = Avx.Permute2x128(s0, s4, 0x31);
        o5 = Avx.Permute2x128(s1, s5, 0x31);
        o6 = Avx.Permute2x128(s2, s6, 0x31);
        o7 = Avx.Permute2x128(s3, s7, 0x31);
    }

    /// <summary>
    /// <c>target[k·targetStride + i] = source[i·sourceStride + k]</c> for i, k &lt; 8: 8 rows of 8 floats
    /// <paramref name="sourceStride"/> apart into 8 rows <paramref name="targetStride"/> apart. Needs AVX.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Block(ref float source, nint sourceStride, ref float target, nint targetStride)
    {
        Registers(
            Vector256.LoadUnsafe(ref source), Vector256.LoadUnsafe(ref Unsafe.Add(ref source, sourceStride)),
            Vector256.LoadUnsafe(ref Unsafe.Add(ref source, 2 * sourceStride)), Vector256.LoadUnsafe(ref Unsafe.Add(ref source, 3 * sourceStride)),
            Vector256.LoadUnsafe(ref Unsafe.Add(ref source, 4 * sourceStride)), Vector256.LoadUnsafe(ref Unsafe.Add(ref source, 5 * sourceStride)),
            Vector256.LoadUnsafe(ref Unsafe.Add(ref source, 6 * sourceStride)), Vector256.LoadUnsafe(ref Unsafe.Add(ref source, 7 * sourceStride)),
            out var o0, out var o1, out var o2, out var o3, out var o4, out var o5, out var o6, out var o7);
        o0.StoreUnsafe(ref target);
        o1.StoreUnsafe(ref Unsafe.Add(ref target, targetStride));
        o2.StoreUnsafe(ref Unsafe.Add(ref target, 2 * targetStride));
        o3.StoreUnsafe(ref Unsafe.Add(ref target, 3 * targetStride));
        o4.StoreUnsafe(ref Unsafe.Add(ref target, 4 * targetStride));
        o5.StoreUnsafe(ref Unsafe.Add(ref target, 5 * targetStride));
        o6.StoreUnsafe(ref Unsafe.Add(ref target, 6 * targetStride));
        o7.StoreUnsafe(ref Unsafe.Add(ref target, 7 * targetStride));
    }
}
