using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NativeBn.Kernels;

/// <summary>
/// The even and the odd lanes of two consecutive vectors (the values at even and at odd offsets of the run they were
/// loaded from), each with one two-source permute: AVX-512 (with VL for the 256- and 128-bit widths). Stride-2 kernels
/// take their inputs apart with them.
/// </summary>
/// <typeparam name="TF">The vector type.</typeparam>
internal interface IEvenOdd<TF>
{
    /// <summary>Lanes 0, 2, 4, ... of <paramref name="lower"/> then of <paramref name="upper"/>.</summary>
    static abstract TF Even(TF lower, TF upper);

    /// <summary>Lanes 1, 3, 5, ... of <paramref name="lower"/> then of <paramref name="upper"/>.</summary>
    static abstract TF Odd(TF lower, TF upper);
}

/// <summary>Even and odd lanes of two Vector512.</summary>
internal readonly struct Lanes16 : IEvenOdd<Vector512<float>>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Even(Vector512<float> lower, Vector512<float> upper) =>
        Avx512F.PermuteVar16x32x2(lower, Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30), upper);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Odd(Vector512<float> lower, Vector512<float> upper) =>
        Avx512F.PermuteVar16x32x2(lower, Vector512.Create(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31), upper);
}

/// <summary>Even and odd lanes of two Vector256.</summary>
internal readonly struct Lanes8 : IEvenOdd<Vector256<float>>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Even(Vector256<float> lower, Vector256<float> upper) =>
        Avx512F.VL.PermuteVar8x32x2(lower, Vector256.Create(0, 2, 4, 6, 8, 10, 12, 14), upper);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Odd(Vector256<float> lower, Vector256<float> upper) =>
        Avx512F.VL.PermuteVar8x32x2(lower, Vector256.Create(1, 3, 5, 7, 9, 11, 13, 15), upper);
}

/// <summary>Even and odd lanes of two Vector128.</summary>
internal readonly struct Lanes4 : IEvenOdd<Vector128<float>>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Even(Vector128<float> lower, Vector128<float> upper) =>
        Avx512F.VL.PermuteVar4x32x2(lower, Vector128.Create(0, 2, 4, 6), upper);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Odd(Vector128<float> lower, Vector128<float> upper) =>
        Avx512F.VL.PermuteVar4x32x2(lower, Vector128.Create(1, 3, 5, 7), upper);
}
