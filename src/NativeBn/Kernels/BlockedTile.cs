using System.Runtime.CompilerServices;

namespace NativeBn.Kernels;

/// <summary>
/// The register tile of <see cref="BlockedConvolution"/>: up to <see cref="MostPositions"/> output positions of one output
/// row times four vectors of output channels (<see cref="BlockedConvolution.Panel"/>), held in registers while the loop
/// over one block of <see cref="BlockedInput.Lanes"/> input channels runs: for each kernel tap, for each channel of the
/// block, each position's input is broadcast (position p at <c>input + tapAt[t] + p·step + channel</c>, from a
/// <see cref="BlockedInput"/>) and multiplied into the four vectors of the weights' next row. With Vector512 that is 24
/// accumulators of 16 floats for 10 loads per 24 multiply-adds, every load within one cache line. The sums start from
/// the results and go back to them (the caller starts them from the bias).
/// </summary>
internal static class BlockedTile
{
    /// <summary>Most positions of a tile.</summary>
    public const int MostPositions = 6;

    /// <summary>
    /// <typeparamref name="TP"/>'s count of positions over <paramref name="taps"/> taps of one channel block:
    /// <paramref name="weights"/> holds, per tap and channel, a row of four vectors; <paramref name="result"/> a row of
    /// four vectors per position, one position after another.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run<TS, TF, TD, TP>(ref float input, nint step, ref int tapAt, int taps, ref float weights, ref float result)
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct
        where TP : IPositionCount
    {
        nint w = TS.Count, row = 4 * w;
        nint s2 = 2 * step, s3 = 3 * step, s4 = 4 * step, s5 = 5 * step;
        int n = TP.Count;
        TF c0a = default, c0b = default, c0c = default, c0d = default;
        TF c1a = default, c1b = default, c1c = default, c1d = default;
        TF c2a = default, c2b = default, c2c = default, c2d = default;
        TF c3a = default, c3b = default, c3c = default, c3d = default;
        TF c4a = default, c4b = default, c4c = default, c4d = default;
        TF c5a = default, c5b = default, c5c = default, c5d = default;
        c0a = TS.Load(ref result, 0 * row + 0 * w);
        c0b = TS.Load(ref result, 0 * row + 1 * w);
        c0c = TS.Load(ref result, 0 * row + 2 * w);
        c0d = TS.Load(ref result, 0 * row + 3 * w);

        if (n > 1)
        {
            c1a = TS.Load(ref result, 1 * row + 0 * w);
            c1b = TS.Load(ref result, 1 * row + 1 * w);
            c1c = TS.Load(ref result, 1 * row + 2 * w);
            c1d = TS.Load(ref result, 1 * row + 3 * w);
        }

        if (n > 2)
        {
            c2a = TS.Load(ref result, 2 * row + 0 * w);
            c2b = TS.Load(ref result, 2 * row + 1 * w);
            c2c = TS.Load(ref result, 2 * row + 2 * w);
            c2d = TS.Load(ref result, 2 * row + 3 * w);
        }

        if (n > 3)
        {
            c3a = TS.Load(ref result, 3 * row + 0 * w);
            c3b = TS.Load(ref result, 3 * row + 1 * w);
            c3c = TS.Load(ref result, 3 * row + 2 * w);
            c3d = TS.Load(ref result, 3 * row + 3 * w);
        }

        if (n > 4)
        {
            c4a = TS.Load(ref result, 4 * row + 0 * w);
            c4b = TS.Load(ref result, 4 * row + 1 * w);
            c4c = TS.Load(ref result, 4 * row + 2 * w);
            c4d = TS.Load(ref result, 4 * row + 3 * w);
        }

        if (n > 5)
        {
            c5a = TS.Load(ref result, 5 * row + 0 * w);
            c5b = TS.Load(ref result, 5 * row + 1 * w);
            c5c = TS.Load(ref result, 5 * row + 2 * w);
            c5d = TS.Load(ref result, 5 * row + 3 * w);
        }

        for (int t = 0; t < taps; t++)
        {
            ref float x = ref Unsafe.Add(ref input, Unsafe.Add(ref tapAt, t));
            for (int channel = 0; channel < BlockedInput.Lanes; channel++)
            {
                TF x0 = TS.Broadcast(x);
                TF x1 = n > 1 ? TS.Broadcast(Unsafe.Add(ref x, step)) : default;
                TF x2 = n > 2 ? TS.Broadcast(Unsafe.Add(ref x, s2)) : default;
                TF x3 = n > 3 ? TS.Broadcast(Unsafe.Add(ref x, s3)) : default;
                TF x4 = n > 4 ? TS.Broadcast(Unsafe.Add(ref x, s4)) : default;
                TF x5 = n > 5 ? TS.Broadcast(Unsafe.Add(ref x, s5)) : default;
                TF ba = TS.Load(ref weights, 0 * w);
                c0a = TS.MultiplyAdd(x0, ba, c0a);
                c1a = n > 1 ? TS.MultiplyAdd(x1, ba, c1a) : c1a;
                c2a = n > 2 ? TS.MultiplyAdd(x2, ba, c2a) : c2a;
                c3a = n > 3 ? TS.MultiplyAdd(x3, ba, c3a) : c3a;
                c4a = n > 4 ? TS.MultiplyAdd(x4, ba, c4a) : c4a;
                c5a = n > 5 ? TS.MultiplyAdd(x5, ba, c5a) : c5a;
                TF bb = TS.Load(ref weights, 1 * w);
                c0b = TS.MultiplyAdd(x0, bb, c0b);
                c1b = n > 1 ? TS.MultiplyAdd(x1, bb, c1b) : c1b;
                c2b = n > 2 ? TS.MultiplyAdd(x2, bb, c2b) : c2b;
                c3b = n > 3 ? TS.MultiplyAdd(x3, bb, c3b) : c3b;
                c4b = n > 4 ? TS.MultiplyAdd(x4, bb, c4b) : c4b;
                c5b = n > 5 ? TS.MultiplyAdd(x5, bb, c5b) : c5b;
                TF bc = TS.Load(ref weights, 2 * w);
                c0c = TS.MultiplyAdd(x0, bc, c0c);
                c1c = n > 1 ? TS.MultiplyAdd(x1, bc, c1c) : c1c;
                c2c = n > 2 ? TS.MultiplyAdd(x2, bc, c2c) : c2c;
                c3c = n > 3 ? TS.MultiplyAdd(x3, bc, c3c) : c3c;
                c4c = n > 4 ? TS.MultiplyAdd(x4, bc, c4c) : c4c;
                c5c = n > 5 ? TS.MultiplyAdd(x5, bc, c5c) : c5c;
                TF bd = TS.Load(ref weights, 3 * w);
                c0d = TS.MultiplyAdd(x0, bd, c0d);
                c1d = n > 1 ? TS.MultiplyAdd(x1, bd, c1d) : c1d;
                c2d = n > 2 ? TS.MultiplyAdd(x2, bd, c2d) : c2d;
                c3d = n > 3 ? TS.MultiplyAdd(x3, bd, c3d) : c3d;
                c4d = n > 4 ? TS.MultiplyAdd(x4, bd, c4d) : c4d;
                c5d = n > 5 ? TS.MultiplyAdd(x5, bd, c5d) : c5d;
                weights = ref Unsafe.Add(ref weights, row);
                x = ref Unsafe.Add(ref x, 1);
            }
        }

        TS.Store(c0a, ref result, 0 * row + 0 * w);
        TS.Store(c0b, ref result, 0 * row + 1 * w);
        TS.Store(c0c, ref result, 0 * row + 2 * w);
        TS.Store(c0d, ref result, 0 * row + 3 * w);

        if (n > 1)
        {
            TS.Store(c1a, ref result, 1 * row + 0 * w);
            TS.Store(c1b, ref result, 1 * row + 1 * w);
            TS.Store(c1c, ref result, 1 * row + 2 * w);
            TS.Store(c1d, ref result, 1 * row + 3 * w);
        }

        if (n > 2)
        {
            TS.Store(c2a, ref result, 2 * row + 0 * w);
            TS.Store(c2b, ref result, 2 * row + 1 * w);
            TS.Store(c2c, ref result, 2 * row + 2 * w);
            TS.Store(c2d, ref result, 2 * row + 3 * w);
        }

        if (n > 3)
        {
            TS.Store(c3a, ref result, 3 * row + 0 * w);
            TS.Store(c3b, ref result, 3 * row + 1 * w);
            TS.Store(c3c, ref result, 3 * row + 2 * w);
            TS.Store(c3d, ref result, 3 * row + 3 * w);
        }

        if (n > 4)
        {
            TS.Store(c4a, ref result, 4 * row + 0 * w);
            TS.Store(c4b, ref result, 4 * row + 1 * w);
            TS.Store(c4c, ref result, 4 * row + 2 * w);
            TS.Store(c4d, ref result, 4 * row + 3 * w);
        }

        if (n > 5)
        {
            TS.Store(c5a, ref result, 5 * row + 0 * w);
            TS.Store(c5b, ref result, 5 * row + 1 * w);
            TS.Store(c5c, ref result, 5 * row + 2 * w);
            TS.Store(c5d, ref result, 5 * row + 3 * w);
        }
    }
}
