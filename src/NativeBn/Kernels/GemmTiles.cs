using System.Runtime.CompilerServices;

namespace NativeBn.Kernels;

/// <summary>
/// The register tiles of <see cref="PackedGemm"/>: a block of 14 (or 8, or 4) rows of C times two vectors of columns (or 8
/// rows times three, <see cref="Rows8Wide{TS, TF, TD}"/>), held
/// in registers while the depth loop runs: per step k, two vectors of B's row k (at <c>b + rows[k]</c>) are loaded,
/// each of the block's A values at k (packed contiguously, see <see cref="PackedGemm.Pack"/>) is broadcast and
/// multiplied into both. With Vector512 that is 28 accumulators of 16 floats. The first depth block starts from the
/// bias, later ones from C; the last may clamp to [low, high] (a fused ReLU or ReLU6). Each output is summed over k in
/// order, so it does not depend on which columns or rows share its tile.
/// </summary>
internal static class GemmTiles
{
    /// <summary>
    /// Rows [0, 14) of the tile. With <see cref="PackedRows"/>, A holds 14 values per k one after another; with
    /// <see cref="TappedRows"/>, A's 14 values at k are consecutive floats at <c>a + aRows[k]</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Rows14<TS, TF, TD, TA>(
        ref float a, ref int aRows, ref float b, ref int rows, int depth, ref float c, nint ldc, ref float bias, bool first, bool clamp, float low, float high)
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct
        where TA : ITileSource
    {
        nint w = TS.Count;
        TF c0a, c0b;
        TF c1a, c1b;
        TF c2a, c2b;
        TF c3a, c3b;
        TF c4a, c4b;
        TF c5a, c5b;
        TF c6a, c6b;
        TF c7a, c7b;
        TF c8a, c8b;
        TF c9a, c9b;
        TF c10a, c10b;
        TF c11a, c11b;
        TF c12a, c12b;
        TF c13a, c13b;
        if (first)
        {
            c0a = c0b = TS.Broadcast(Unsafe.Add(ref bias, 0));
            c1a = c1b = TS.Broadcast(Unsafe.Add(ref bias, 1));
            c2a = c2b = TS.Broadcast(Unsafe.Add(ref bias, 2));
            c3a = c3b = TS.Broadcast(Unsafe.Add(ref bias, 3));
            c4a = c4b = TS.Broadcast(Unsafe.Add(ref bias, 4));
            c5a = c5b = TS.Broadcast(Unsafe.Add(ref bias, 5));
            c6a = c6b = TS.Broadcast(Unsafe.Add(ref bias, 6));
            c7a = c7b = TS.Broadcast(Unsafe.Add(ref bias, 7));
            c8a = c8b = TS.Broadcast(Unsafe.Add(ref bias, 8));
            c9a = c9b = TS.Broadcast(Unsafe.Add(ref bias, 9));
            c10a = c10b = TS.Broadcast(Unsafe.Add(ref bias, 10));
            c11a = c11b = TS.Broadcast(Unsafe.Add(ref bias, 11));
            c12a = c12b = TS.Broadcast(Unsafe.Add(ref bias, 12));
            c13a = c13b = TS.Broadcast(Unsafe.Add(ref bias, 13));
        }
        else
        {
            c0a = TS.Load(ref c, 0 * ldc);
            c0b = TS.Load(ref c, 0 * ldc + w);
            c1a = TS.Load(ref c, 1 * ldc);
            c1b = TS.Load(ref c, 1 * ldc + w);
            c2a = TS.Load(ref c, 2 * ldc);
            c2b = TS.Load(ref c, 2 * ldc + w);
            c3a = TS.Load(ref c, 3 * ldc);
            c3b = TS.Load(ref c, 3 * ldc + w);
            c4a = TS.Load(ref c, 4 * ldc);
            c4b = TS.Load(ref c, 4 * ldc + w);
            c5a = TS.Load(ref c, 5 * ldc);
            c5b = TS.Load(ref c, 5 * ldc + w);
            c6a = TS.Load(ref c, 6 * ldc);
            c6b = TS.Load(ref c, 6 * ldc + w);
            c7a = TS.Load(ref c, 7 * ldc);
            c7b = TS.Load(ref c, 7 * ldc + w);
            c8a = TS.Load(ref c, 8 * ldc);
            c8b = TS.Load(ref c, 8 * ldc + w);
            c9a = TS.Load(ref c, 9 * ldc);
            c9b = TS.Load(ref c, 9 * ldc + w);
            c10a = TS.Load(ref c, 10 * ldc);
            c10b = TS.Load(ref c, 10 * ldc + w);
            c11a = TS.Load(ref c, 11 * ldc);
            c11b = TS.Load(ref c, 11 * ldc + w);
            c12a = TS.Load(ref c, 12 * ldc);
            c12b = TS.Load(ref c, 12 * ldc + w);
            c13a = TS.Load(ref c, 13 * ldc);
            c13b = TS.Load(ref c, 13 * ldc + w);
        }

        for (int k = 0; k < depth; k++)
        {
            ref float ak = ref TA.Tapped ? ref Unsafe.Add(ref a, Unsafe.Add(ref aRows, k)) : ref a;
            ref float row = ref Unsafe.Add(ref b, Unsafe.Add(ref rows, k));
            TF b0 = TS.Load(ref row, 0);
            TF b1 = TS.Load(ref row, w);
            TF a0 = TS.Broadcast(Unsafe.Add(ref ak, 0));
            c0a = TS.MultiplyAdd(a0, b0, c0a);
            c0b = TS.MultiplyAdd(a0, b1, c0b);
            TF a1 = TS.Broadcast(Unsafe.Add(ref ak, 1));
            c1a = TS.MultiplyAdd(a1, b0, c1a);
            c1b = TS.MultiplyAdd(a1, b1, c1b);
            TF a2 = TS.Broadcast(Unsafe.Add(ref ak, 2));
            c2a = TS.MultiplyAdd(a2, b0, c2a);
            c2b = TS.MultiplyAdd(a2, b1, c2b);
            TF a3 = TS.Broadcast(Unsafe.Add(ref ak, 3));
            c3a = TS.MultiplyAdd(a3, b0, c3a);
            c3b = TS.MultiplyAdd(a3, b1, c3b);
            TF a4 = TS.Broadcast(Unsafe.Add(ref ak, 4));
            c4a = TS.MultiplyAdd(a4, b0, c4a);
            c4b = TS.MultiplyAdd(a4, b1, c4b);
            TF a5 = TS.Broadcast(Unsafe.Add(ref ak, 5));
            c5a = TS.MultiplyAdd(a5, b0, c5a);
            c5b = TS.MultiplyAdd(a5, b1, c5b);
            TF a6 = TS.Broadcast(Unsafe.Add(ref ak, 6));
            c6a = TS.MultiplyAdd(a6, b0, c6a);
            c6b = TS.MultiplyAdd(a6, b1, c6b);
            TF a7 = TS.Broadcast(Unsafe.Add(ref ak, 7));
            c7a = TS.MultiplyAdd(a7, b0, c7a);
            c7b = TS.MultiplyAdd(a7, b1, c7b);
            TF a8 = TS.Broadcast(Unsafe.Add(ref ak, 8));
            c8a = TS.MultiplyAdd(a8, b0, c8a);
            c8b = TS.MultiplyAdd(a8, b1, c8b);
            TF a9 = TS.Broadcast(Unsafe.Add(ref ak, 9));
            c9a = TS.MultiplyAdd(a9, b0, c9a);
            c9b = TS.MultiplyAdd(a9, b1, c9b);
            TF a10 = TS.Broadcast(Unsafe.Add(ref ak, 10));
            c10a = TS.MultiplyAdd(a10, b0, c10a);
            c10b = TS.MultiplyAdd(a10, b1, c10b);
            TF a11 = TS.Broadcast(Unsafe.Add(ref ak, 11));
            c11a = TS.MultiplyAdd(a11, b0, c11a);
            c11b = TS.MultiplyAdd(a11, b1, c11b);
            TF a12 = TS.Broadcast(Unsafe.Add(ref ak, 12));
            c12a = TS.MultiplyAdd(a12, b0, c12a);
            c12b = TS.MultiplyAdd(a12, b1, c12b);
            TF a13 = TS.Broadcast(Unsafe.Add(ref ak, 13));
            c13a = TS.MultiplyAdd(a13, b0, c13a);
            c13b = TS.MultiplyAdd(a13, b1, c13b);
            if (!TA.Tapped)
            {
                a = ref Unsafe.Add(ref a, 14);
            }
        }

        if (clamp)
        {
            TF lower = TS.Broadcast(low), upper = TS.Broadcast(high);
            c0a = TS.Clamp(c0a, lower, upper);
            c0b = TS.Clamp(c0b, lower, upper);
            c1a = TS.Clamp(c1a, lower, upper);
            c1b = TS.Clamp(c1b, lower, upper);
            c2a = TS.Clamp(c2a, lower, upper);
            c2b = TS.Clamp(c2b, lower, upper);
            c3a = TS.Clamp(c3a, lower, upper);
            c3b = TS.Clamp(c3b, lower, upper);
            c4a = TS.Clamp(c4a, lower, upper);
            c4b = TS.Clamp(c4b, lower, upper);
            c5a = TS.Clamp(c5a, lower, upper);
            c5b = TS.Clamp(c5b, lower, upper);
            c6a = TS.Clamp(c6a, lower, upper);
            c6b = TS.Clamp(c6b, lower, upper);
            c7a = TS.Clamp(c7a, lower, upper);
            c7b = TS.Clamp(c7b, lower, upper);
            c8a = TS.Clamp(c8a, lower, upper);
            c8b = TS.Clamp(c8b, lower, upper);
            c9a = TS.Clamp(c9a, lower, upper);
            c9b = TS.Clamp(c9b, lower, upper);
            c10a = TS.Clamp(c10a, lower, upper);
            c10b = TS.Clamp(c10b, lower, upper);
            c11a = TS.Clamp(c11a, lower, upper);
            c11b = TS.Clamp(c11b, lower, upper);
            c12a = TS.Clamp(c12a, lower, upper);
            c12b = TS.Clamp(c12b, lower, upper);
            c13a = TS.Clamp(c13a, lower, upper);
            c13b = TS.Clamp(c13b, lower, upper);
        }

        TS.Store(c0a, ref c, 0 * ldc);
        TS.Store(c0b, ref c, 0 * ldc + w);
        TS.Store(c1a, ref c, 1 * ldc);
        TS.Store(c1b, ref c, 1 * ldc + w);
        TS.Store(c2a, ref c, 2 * ldc);
        TS.Store(c2b, ref c, 2 * ldc + w);
        TS.Store(c3a, ref c, 3 * ldc);
        TS.Store(c3b, ref c, 3 * ldc + w);
        TS.Store(c4a, ref c, 4 * ldc);
        TS.Store(c4b, ref c, 4 * ldc + w);
        TS.Store(c5a, ref c, 5 * ldc);
        TS.Store(c5b, ref c, 5 * ldc + w);
        TS.Store(c6a, ref c, 6 * ldc);
        TS.Store(c6b, ref c, 6 * ldc + w);
        TS.Store(c7a, ref c, 7 * ldc);
        TS.Store(c7b, ref c, 7 * ldc + w);
        TS.Store(c8a, ref c, 8 * ldc);
        TS.Store(c8b, ref c, 8 * ldc + w);
        TS.Store(c9a, ref c, 9 * ldc);
        TS.Store(c9b, ref c, 9 * ldc + w);
        TS.Store(c10a, ref c, 10 * ldc);
        TS.Store(c10b, ref c, 10 * ldc + w);
        TS.Store(c11a, ref c, 11 * ldc);
        TS.Store(c11b, ref c, 11 * ldc + w);
        TS.Store(c12a, ref c, 12 * ldc);
        TS.Store(c12b, ref c, 12 * ldc + w);
        TS.Store(c13a, ref c, 13 * ldc);
        TS.Store(c13b, ref c, 13 * ldc + w);
    }

    /// <summary>Rows [0, 8) of the tile; A holds 8 values per k.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Rows8<TS, TF, TD>(ref float a, ref float b, ref int rows, int depth, ref float c, nint ldc, ref float bias, bool first, bool clamp, float low, float high)
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct
    {
        nint w = TS.Count;
        TF c0a, c0b;
        TF c1a, c1b;
        TF c2a, c2b;
        TF c3a, c3b;
        TF c4a, c4b;
        TF c5a, c5b;
        TF c6a, c6b;
        TF c7a, c7b;
        if (first)
        {
            c0a = c0b = TS.Broadcast(Unsafe.Add(ref bias, 0));
            c1a = c1b = TS.Broadcast(Unsafe.Add(ref bias, 1));
            c2a = c2b = TS.Broadcast(Unsafe.Add(ref bias, 2));
            c3a = c3b = TS.Broadcast(Unsafe.Add(ref bias, 3));
            c4a = c4b = TS.Broadcast(Unsafe.Add(ref bias, 4));
            c5a = c5b = TS.Broadcast(Unsafe.Add(ref bias, 5));
            c6a = c6b = TS.Broadcast(Unsafe.Add(ref bias, 6));
            c7a = c7b = TS.Broadcast(Unsafe.Add(ref bias, 7));
        }
        else
        {
            c0a = TS.Load(ref c, 0 * ldc);
            c0b = TS.Load(ref c, 0 * ldc + w);
            c1a = TS.Load(ref c, 1 * ldc);
            c1b = TS.Load(ref c, 1 * ldc + w);
            c2a = TS.Load(ref c, 2 * ldc);
            c2b = TS.Load(ref c, 2 * ldc + w);
            c3a = TS.Load(ref c, 3 * ldc);
            c3b = TS.Load(ref c, 3 * ldc + w);
            c4a = TS.Load(ref c, 4 * ldc);
            c4b = TS.Load(ref c, 4 * ldc + w);
            c5a = TS.Load(ref c, 5 * ldc);
            c5b = TS.Load(ref c, 5 * ldc + w);
            c6a = TS.Load(ref c, 6 * ldc);
            c6b = TS.Load(ref c, 6 * ldc + w);
            c7a = TS.Load(ref c, 7 * ldc);
            c7b = TS.Load(ref c, 7 * ldc + w);
        }

        for (int k = 0; k < depth; k++)
        {
            ref float row = ref Unsafe.Add(ref b, Unsafe.Add(ref rows, k));
            TF b0 = TS.Load(ref row, 0);
            TF b1 = TS.Load(ref row, w);
            TF a0 = TS.Broadcast(Unsafe.Add(ref a, 0));
            c0a = TS.MultiplyAdd(a0, b0, c0a);
            c0b = TS.MultiplyAdd(a0, b1, c0b);
            TF a1 = TS.Broadcast(Unsafe.Add(ref a, 1));
            c1a = TS.MultiplyAdd(a1, b0, c1a);
            c1b = TS.MultiplyAdd(a1, b1, c1b);
            TF a2 = TS.Broadcast(Unsafe.Add(ref a, 2));
            c2a = TS.MultiplyAdd(a2, b0, c2a);
            c2b = TS.MultiplyAdd(a2, b1, c2b);
            TF a3 = TS.Broadcast(Unsafe.Add(ref a, 3));
            c3a = TS.MultiplyAdd(a3, b0, c3a);
            c3b = TS.MultiplyAdd(a3, b1, c3b);
            TF a4 = TS.Broadcast(Unsafe.Add(ref a, 4));
            c4a = TS.MultiplyAdd(a4, b0, c4a);
            c4b = TS.MultiplyAdd(a4, b1, c4b);
            TF a5 = TS.Broadcast(Unsafe.Add(ref a, 5));
            c5a = TS.MultiplyAdd(a5, b0, c5a);
            c5b = TS.MultiplyAdd(a5, b1, c5b);
            TF a6 = TS.Broadcast(Unsafe.Add(ref a, 6));
            c6a = TS.MultiplyAdd(a6, b0, c6a);
            c6b = TS.MultiplyAdd(a6, b1, c6b);
            TF a7 = TS.Broadcast(Unsafe.Add(ref a, 7));
            c7a = TS.MultiplyAdd(a7, b0, c7a);
            c7b = TS.MultiplyAdd(a7, b1, c7b);
            a = ref Unsafe.Add(ref a, 8);
        }

        if (clamp)
        {
            TF lower = TS.Broadcast(low), upper = TS.Broadcast(high);
            c0a = TS.Clamp(c0a, lower, upper);
            c0b = TS.Clamp(c0b, lower, upper);
            c1a = TS.Clamp(c1a, lower, upper);
            c1b = TS.Clamp(c1b, lower, upper);
            c2a = TS.Clamp(c2a, lower, upper);
            c2b = TS.Clamp(c2b, lower, upper);
            c3a = TS.Clamp(c3a, lower, upper);
            c3b = TS.Clamp(c3b, lower, upper);
            c4a = TS.Clamp(c4a, lower, upper);
            c4b = TS.Clamp(c4b, lower, upper);
            c5a = TS.Clamp(c5a, lower, upper);
            c5b = TS.Clamp(c5b, lower, upper);
            c6a = TS.Clamp(c6a, lower, upper);
            c6b = TS.Clamp(c6b, lower, upper);
            c7a = TS.Clamp(c7a, lower, upper);
            c7b = TS.Clamp(c7b, lower, upper);
        }

        TS.Store(c0a, ref c, 0 * ldc);
        TS.Store(c0b, ref c, 0 * ldc + w);
        TS.Store(c1a, ref c, 1 * ldc);
        TS.Store(c1b, ref c, 1 * ldc + w);
        TS.Store(c2a, ref c, 2 * ldc);
        TS.Store(c2b, ref c, 2 * ldc + w);
        TS.Store(c3a, ref c, 3 * ldc);
        TS.Store(c3b, ref c, 3 * ldc + w);
        TS.Store(c4a, ref c, 4 * ldc);
        TS.Store(c4b, ref c, 4 * ldc + w);
        TS.Store(c5a, ref c, 5 * ldc);
        TS.Store(c5b, ref c, 5 * ldc + w);
        TS.Store(c6a, ref c, 6 * ldc);
        TS.Store(c6b, ref c, 6 * ldc + w);
        TS.Store(c7a, ref c, 7 * ldc);
        TS.Store(c7b, ref c, 7 * ldc + w);
    }

    /// <summary>
    /// Rows [0, 8) of a wide tile: three vectors of columns (<see cref="PackedGemm.WidePanel"/>), 24 accumulators with
    /// Vector512, so that each broadcast A value feeds three multiply-adds and each step loads 11 values for 24 of them
    /// (14 for 28 in the tile of 14 rows); A holds 8 values per k, as for <see cref="Rows8{TS, TF, TD}"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Rows8Wide<TS, TF, TD>(ref float a, ref float b, ref int rows, int depth, ref float c, nint ldc, ref float bias, bool first, bool clamp, float low, float high)
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct
    {
        nint w = TS.Count;
        TF c0a, c0b, c0c;
        TF c1a, c1b, c1c;
        TF c2a, c2b, c2c;
        TF c3a, c3b, c3c;
        TF c4a, c4b, c4c;
        TF c5a, c5b, c5c;
        TF c6a, c6b, c6c;
        TF c7a, c7b, c7c;
        if (first)
        {
            c0a = c0b = c0c = TS.Broadcast(Unsafe.Add(ref bias, 0));
            c1a = c1b = c1c = TS.Broadcast(Unsafe.Add(ref bias, 1));
            c2a = c2b = c2c = TS.Broadcast(Unsafe.Add(ref bias, 2));
            c3a = c3b = c3c = TS.Broadcast(Unsafe.Add(ref bias, 3));
            c4a = c4b = c4c = TS.Broadcast(Unsafe.Add(ref bias, 4));
            c5a = c5b = c5c = TS.Broadcast(Unsafe.Add(ref bias, 5));
            c6a = c6b = c6c = TS.Broadcast(Unsafe.Add(ref bias, 6));
            c7a = c7b = c7c = TS.Broadcast(Unsafe.Add(ref bias, 7));
        }
        else
        {
            c0a = TS.Load(ref c, 0 * ldc);
            c0b = TS.Load(ref c, 0 * ldc + w);
            c0c = TS.Load(ref c, 0 * ldc + 2 * w);
            c1a = TS.Load(ref c, 1 * ldc);
            c1b = TS.Load(ref c, 1 * ldc + w);
            c1c = TS.Load(ref c, 1 * ldc + 2 * w);
            c2a = TS.Load(ref c, 2 * ldc);
            c2b = TS.Load(ref c, 2 * ldc + w);
            c2c = TS.Load(ref c, 2 * ldc + 2 * w);
            c3a = TS.Load(ref c, 3 * ldc);
            c3b = TS.Load(ref c, 3 * ldc + w);
            c3c = TS.Load(ref c, 3 * ldc + 2 * w);
            c4a = TS.Load(ref c, 4 * ldc);
            c4b = TS.Load(ref c, 4 * ldc + w);
            c4c = TS.Load(ref c, 4 * ldc + 2 * w);
            c5a = TS.Load(ref c, 5 * ldc);
            c5b = TS.Load(ref c, 5 * ldc + w);
            c5c = TS.Load(ref c, 5 * ldc + 2 * w);
            c6a = TS.Load(ref c, 6 * ldc);
            c6b = TS.Load(ref c, 6 * ldc + w);
            c6c = TS.Load(ref c, 6 * ldc + 2 * w);
            c7a = TS.Load(ref c, 7 * ldc);
            c7b = TS.Load(ref c, 7 * ldc + w);
            c7c = TS.Load(ref c, 7 * ldc + 2 * w);
        }

        for (int k = 0; k < depth; k++)
        {
            ref float row = ref Unsafe.Add(ref b, Unsafe.Add(ref rows, k));
            TF b0 = TS.Load(ref row, 0);
            TF b1 = TS.Load(ref row, w);
            TF b2 = TS.Load(ref row, 2 * w);
            TF a0 = TS.Broadcast(Unsafe.Add(ref a, 0));
            c0a = TS.MultiplyAdd(a0, b0, c0a);
            c0b = TS.MultiplyAdd(a0, b1, c0b);
            c0c = TS.MultiplyAdd(a0, b2, c0c);
            TF a1 = TS.Broadcast(Unsafe.Add(ref a, 1));
            c1a = TS.MultiplyAdd(a1, b0, c1a);
            c1b = TS.MultiplyAdd(a1, b1, c1b);
            c1c = TS.MultiplyAdd(a1, b2, c1c);
            TF a2 = TS.Broadcast(Unsafe.Add(ref a, 2));
            c2a = TS.MultiplyAdd(a2, b0, c2a);
            c2b = TS.MultiplyAdd(a2, b1, c2b);
            c2c = TS.MultiplyAdd(a2, b2, c2c);
            TF a3 = TS.Broadcast(Unsafe.Add(ref a, 3));
            c3a = TS.MultiplyAdd(a3, b0, c3a);
            c3b = TS.MultiplyAdd(a3, b1, c3b);
            c3c = TS.MultiplyAdd(a3, b2, c3c);
            TF a4 = TS.Broadcast(Unsafe.Add(ref a, 4));
            c4a = TS.MultiplyAdd(a4, b0, c4a);
            c4b = TS.MultiplyAdd(a4, b1, c4b);
            c4c = TS.MultiplyAdd(a4, b2, c4c);
            TF a5 = TS.Broadcast(Unsafe.Add(ref a, 5));
            c5a = TS.MultiplyAdd(a5, b0, c5a);
            c5b = TS.MultiplyAdd(a5, b1, c5b);
            c5c = TS.MultiplyAdd(a5, b2, c5c);
            TF a6 = TS.Broadcast(Unsafe.Add(ref a, 6));
            c6a = TS.MultiplyAdd(a6, b0, c6a);
            c6b = TS.MultiplyAdd(a6, b1, c6b);
            c6c = TS.MultiplyAdd(a6, b2, c6c);
            TF a7 = TS.Broadcast(Unsafe.Add(ref a, 7));
            c7a = TS.MultiplyAdd(a7, b0, c7a);
            c7b = TS.MultiplyAdd(a7, b1, c7b);
            c7c = TS.MultiplyAdd(a7, b2, c7c);
            a = ref Unsafe.Add(ref a, 8);
        }

        if (clamp)
        {
            TF lower = TS.Broadcast(low), upper = TS.Broadcast(high);
            c0a = TS.Clamp(c0a, lower, upper);
            c0b = TS.Clamp(c0b, lower, upper);
            c0c = TS.Clamp(c0c, lower, upper);
            c1a = TS.Clamp(c1a, lower, upper);
            c1b = TS.Clamp(c1b, lower, upper);
            c1c = TS.Clamp(c1c, lower, upper);
            c2a = TS.Clamp(c2a, lower, upper);
            c2b = TS.Clamp(c2b, lower, upper);
            c2c = TS.Clamp(c2c, lower, upper);
            c3a = TS.Clamp(c3a, lower, upper);
            c3b = TS.Clamp(c3b, lower, upper);
            c3c = TS.Clamp(c3c, lower, upper);
            c4a = TS.Clamp(c4a, lower, upper);
            c4b = TS.Clamp(c4b, lower, upper);
            c4c = TS.Clamp(c4c, lower, upper);
            c5a = TS.Clamp(c5a, lower, upper);
            c5b = TS.Clamp(c5b, lower, upper);
            c5c = TS.Clamp(c5c, lower, upper);
            c6a = TS.Clamp(c6a, lower, upper);
            c6b = TS.Clamp(c6b, lower, upper);
            c6c = TS.Clamp(c6c, lower, upper);
            c7a = TS.Clamp(c7a, lower, upper);
            c7b = TS.Clamp(c7b, lower, upper);
            c7c = TS.Clamp(c7c, lower, upper);
        }

        TS.Store(c0a, ref c, 0 * ldc);
        TS.Store(c0b, ref c, 0 * ldc + w);
        TS.Store(c0c, ref c, 0 * ldc + 2 * w);
        TS.Store(c1a, ref c, 1 * ldc);
        TS.Store(c1b, ref c, 1 * ldc + w);
        TS.Store(c1c, ref c, 1 * ldc + 2 * w);
        TS.Store(c2a, ref c, 2 * ldc);
        TS.Store(c2b, ref c, 2 * ldc + w);
        TS.Store(c2c, ref c, 2 * ldc + 2 * w);
        TS.Store(c3a, ref c, 3 * ldc);
        TS.Store(c3b, ref c, 3 * ldc + w);
        TS.Store(c3c, ref c, 3 * ldc + 2 * w);
        TS.Store(c4a, ref c, 4 * ldc);
        TS.Store(c4b, ref c, 4 * ldc + w);
        TS.Store(c4c, ref c, 4 * ldc + 2 * w);
        TS.Store(c5a, ref c, 5 * ldc);
        TS.Store(c5b, ref c, 5 * ldc + w);
        TS.Store(c5c, ref c, 5 * ldc + 2 * w);
        TS.Store(c6a, ref c, 6 * ldc);
        TS.Store(c6b, ref c, 6 * ldc + w);
        TS.Store(c6c, ref c, 6 * ldc + 2 * w);
        TS.Store(c7a, ref c, 7 * ldc);
        TS.Store(c7b, ref c, 7 * ldc + w);
        TS.Store(c7c, ref c, 7 * ldc + 2 * w);
    }

    /// <summary>Rows [0, 4) of the tile (only the first <paramref name="valid"/> are loaded and stored); A holds 4 values per k.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Rows4<TS, TF, TD>(ref float a, ref float b, ref int rows, int depth, ref float c, nint ldc, ref float bias, bool first, bool clamp, float low, float high, int valid)
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct
    {
        nint w = TS.Count;
        TF c0a = TS.Zero, c0b = TS.Zero;
        TF c1a = TS.Zero, c1b = TS.Zero;
        TF c2a = TS.Zero, c2b = TS.Zero;
        TF c3a = TS.Zero, c3b = TS.Zero;
        if (first)
        {
            c0a = c0b = TS.Broadcast(Unsafe.Add(ref bias, 0));
            c1a = c1b = TS.Broadcast(Unsafe.Add(ref bias, 1));
            c2a = c2b = TS.Broadcast(Unsafe.Add(ref bias, 2));
            c3a = c3b = TS.Broadcast(Unsafe.Add(ref bias, 3));
        }
        else
        {
            if (0 < valid)
            {
                c0a = TS.Load(ref c, 0 * ldc);
                c0b = TS.Load(ref c, 0 * ldc + w);
            }

            if (1 < valid)
            {
                c1a = TS.Load(ref c, 1 * ldc);
                c1b = TS.Load(ref c, 1 * ldc + w);
            }

            if (2 < valid)
            {
                c2a = TS.Load(ref c, 2 * ldc);
                c2b = TS.Load(ref c, 2 * ldc + w);
            }

            if (3 < valid)
            {
                c3a = TS.Load(ref c, 3 * ldc);
                c3b = TS.Load(ref c, 3 * ldc + w);
            }
        }

        for (int k = 0; k < depth; k++)
        {
            ref float row = ref Unsafe.Add(ref b, Unsafe.Add(ref rows, k));
            TF b0 = TS.Load(ref row, 0);
            TF b1 = TS.Load(ref row, w);
            TF a0 = TS.Broadcast(Unsafe.Add(ref a, 0));
            c0a = TS.MultiplyAdd(a0, b0, c0a);
            c0b = TS.MultiplyAdd(a0, b1, c0b);
            TF a1 = TS.Broadcast(Unsafe.Add(ref a, 1));
            c1a = TS.MultiplyAdd(a1, b0, c1a);
            c1b = TS.MultiplyAdd(a1, b1, c1b);
            TF a2 = TS.Broadcast(Unsafe.Add(ref a, 2));
            c2a = TS.MultiplyAdd(a2, b0, c2a);
            c2b = TS.MultiplyAdd(a2, b1, c2b);
            TF a3 = TS.Broadcast(Unsafe.Add(ref a, 3));
            c3a = TS.MultiplyAdd(a3, b0, c3a);
            c3b = TS.MultiplyAdd(a3, b1, c3b);
            a = ref Unsafe.Add(ref a, 4);
        }

        if (clamp)
        {
            TF lower = TS.Broadcast(low), upper = TS.Broadcast(high);
            c0a = TS.Clamp(c0a, lower, upper);
            c0b = TS.Clamp(c0b, lower, upper);
            c1a = TS.Clamp(c1a, lower, upper);
            c1b = TS.Clamp(c1b, lower, upper);
            c2a = TS.Clamp(c2a, lower, upper);
            c2b = TS.Clamp(c2b, lower, upper);
            c3a = TS.Clamp(c3a, lower, upper);
            c3b = TS.Clamp(c3b, lower, upper);
        }

        if (0 < valid)
        {
            TS.Store(c0a, ref c, 0 * ldc);
            TS.Store(c0b, ref c, 0 * ldc + w);
        }

        if (1 < valid)
        {
            TS.Store(c1a, ref c, 1 * ldc);
            TS.Store(c1b, ref c, 1 * ldc + w);
        }

        if (2 < valid)
        {
            TS.Store(c2a, ref c, 2 * ldc);
            TS.Store(c2b, ref c, 2 * ldc + w);
        }

        if (3 < valid)
        {
            TS.Store(c3a, ref c, 3 * ldc);
            TS.Store(c3b, ref c, 3 * ldc + w);
        }
    }
}
