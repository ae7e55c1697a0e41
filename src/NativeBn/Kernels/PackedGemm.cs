using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NativeBn.Kernels;

/// <summary>
/// <c>C = bias + A·B</c>, optionally clamped (a fused activation), with A <c>[rows, depth]</c> packed once
/// (<see cref="Pack"/>) and row k of B starting at <c>b + offsets[k]</c>, read for a whole number of panels of
/// <see cref="Panel"/> columns: depth in blocks of <see cref="DepthBlock"/>, columns in panels, rows in register tiles
/// of 14, 8 and 4 (<see cref="GemmTiles"/>), or, on <see cref="WidePanel"/>s of three vectors, in tiles of 8 rows
/// (<see cref="PanelFor"/> picks the panel from the sizes); where C is large, each row tile runs across a run of panels
/// before the next one (<see cref="LongRunBytes"/>). A convolution's B is its input itself, with one offset per kernel tap
/// (an implicit GEMM). Every output is one sum over k in order, whatever the sizes around it.
/// </summary>
internal static class PackedGemm
{
    /// <summary>Depth per block: the block's B rows for one panel stay in L1 across the row tiles.</summary>
    public const int DepthBlock = 256;

    /// <summary>
    /// Most floats of C one thread computes before it hands them to the caller's <c>finished</c> callback: a block that
    /// is still in its cache (128 KiB), where the whole of C may not be (ResNet-18's stem: 3.3 MB).
    /// </summary>
    private const int FinishedFloats = 1 << 15;

    /// <summary>
    /// Least bytes of C for which row tiles run across several panels (<see cref="RunBytes"/>) before the next row tile: in
    /// practice a caller's C written in place (a pointwise convolution's output), whose rows past the L2,
    /// written a panel at a time, are each a store stream of two or three lines per visit, too many and too short for the
    /// hardware prefetcher. Measured on MobileNetV2 (Intel Xeon, AVX-512): its 112x112 expansion (16 → 96, 4.8 MB) 2.0-2.3x
    /// faster, its 56x56 ones (24 → 144, 1.8 MB) 1.1-1.35x, the network 6-7 % on one and two threads; on its 14x14 layers,
    /// whose outputs stay in cache, runs of panels were 3-6 % slower, hence the threshold.
    /// </summary>
    private const long LongRunBytes = 1 << 20;

    /// <summary>
    /// Most bytes of B that the panels of one run read (at least one panel): shallow multiplications run across many
    /// panels (16 deep: 32 narrow panels, 4 KiB of each output row), deep ones across one, as without runs.
    /// </summary>
    private const int RunBytes = 1 << 16;

    /// <summary>Each thread's blocks of C when the caller keeps no C (a multiplication with an empty <c>c</c>).</summary>
    [ThreadStatic]
    private static AlignedBuffer? t_blocks;

    /// <summary>Least floats a thread's <see cref="t_blocks"/> takes when it is first used (<see cref="Reserve"/>).</summary>
    private static long s_reservedBlocks;

    /// <summary>
    /// Least work a thread takes from a shared multiplication, far more than the cost of handing it over: in multiply-adds
    /// of full-width tiles (a panel narrower than <see cref="Panel"/> or <see cref="WidePanel"/> takes as many
    /// instructions per row and step as a full one, so its columns count as a full panel's).
    /// </summary>
    private const long MultiplyAddsPerChunk = 1L << 19;

    /// <summary>Columns per tile: two vectors of the widest accelerated width.</summary>
    public static int Panel => 2 * SimdWidth.MaxFloats;

    /// <summary>
    /// Columns per wide tile: three vectors of the widest accelerated width, for 8 rows at a time
    /// (<see cref="GemmTiles.Rows8Wide{TS, TF, TD}"/>); for multiplications whose rows are a multiple of 8, with A packed
    /// for it (<see cref="Pack(ReadOnlySpan{float}, int, int, Span{float}, int)"/>).
    /// </summary>
    public static int WidePanel => 3 * SimdWidth.MaxFloats;

    /// <summary>
    /// Most columns, as a multiple of those <see cref="Panel"/>s compute, that <see cref="WidePanel"/>s may compute and
    /// still be taken: a wide tile loads 11 values per 24 multiply-adds against 16 per 28, and ran 10 % faster on
    /// ResNet-18's 3x3 tap pattern (more where the core is shared).
    /// </summary>
    private const double MostWideColumns = 1.05;

    /// <summary>
    /// Least depth for wide tiles: on shallower multiplications each tile's start and stores weigh more than the loads it
    /// saves (MobileNetV2's 16 → 96 and 24 → 144 pointwise layers ran 3-9 % slower on wide tiles, its 32-deep and deeper
    /// ones 3-13 % faster).
    /// </summary>
    private const int LeastWideDepth = 32;

    /// <summary>
    /// The panel a multiplication of <paramref name="rows"/> rows, <paramref name="depth"/> deep, over
    /// <paramref name="columns"/> columns (before rounding to panels) runs on: <see cref="WidePanel"/> where the rows are
    /// a multiple of 8, the depth at least <see cref="LeastWideDepth"/> and the wide panels waste few columns more than
    /// the narrow ones (<see cref="MostWideColumns"/>), else <see cref="Panel"/>. Depends only on the sizes.
    /// </summary>
    public static int PanelFor(int rows, int depth, long columns)
    {
        long narrow = (columns + Panel - 1) / Panel * Panel, wide = (columns + WidePanel - 1) / WidePanel * WidePanel;
        return rows > 0 && rows % RowTiles.MiddleRows == 0 && depth >= LeastWideDepth && wide <= narrow * MostWideColumns ? WidePanel : Panel;
    }

    /// <summary>Rows after padding the last tile to 4 (<see cref="RowTiles"/>): the length of a packed bias.</summary>
    public static int PaddedRows(int rows) => new RowTiles(rows).Padded;

    /// <summary>
    /// A <c>[rows, depth]</c> row-major, packed in the order the multiplication reads it, so that A is one sequential
    /// stream: depth block by depth block (<see cref="DepthBlock"/>), and within a block of kc values, tile by tile
    /// (<see cref="RowTiles"/>: 14, 8 and 4 rows, zero rows past the end), for each k the tile's h values at k. Block k0 starts at
    /// <c>k0·PaddedRows(rows)</c> and its tile at row r at <c>r·kc</c> within it. Written into <paramref name="packed"/>
    /// of length <c>PaddedRows(rows)·depth</c>, for a multiplication on <paramref name="panel"/>: for
    /// <see cref="WidePanel"/> every tile has 8 rows and a block starts at <c>k0·rows</c> (the rows a multiple of 8).
    /// </summary>
    public static void Pack(ReadOnlySpan<float> a, int rows, int depth, Span<float> packed, int panel)
    {
        bool wide = IsWide(panel, rows);
        packed.Clear();
        var tiles = new RowTiles(rows);
        int padded = wide ? rows : tiles.Padded;
        for (int k0 = 0; k0 < depth; k0 += DepthBlock)
        {
            int kc = Math.Min(DepthBlock, depth - k0);
            int row = 0;
            while (row < rows)
            {
                int height = wide ? RowTiles.MiddleRows : tiles.HeightAt(row);
                Span<float> tile = packed.Slice(k0 * padded + row * kc, height * kc);
                for (int t = 0; t < height && row + t < rows; t++)
                {
                    ReadOnlySpan<float> source = a.Slice((row + t) * depth + k0, kc);
                    for (int k = 0; k < kc; k++)
                    {
                        tile[k * height + t] = source[k];
                    }
                }

                row += height;
            }
        }
    }

    /// <summary>
    /// The narrowest panel, in columns, that holds <paramref name="columns"/> (at least 1) columns: two vectors of 4, 8 or
    /// 16 floats, at most <see cref="Panel"/>. A convolution computes the positions left over after its whole panels in
    /// one such panel, so that few columns are computed and dropped.
    /// </summary>
    public static int NarrowestPanel(int columns) => Narrowest(columns, 2);

    /// <summary>
    /// As <see cref="NarrowestPanel"/> for wide tiles: the narrowest of three vectors of 4, 8 or 16 floats, at most
    /// <see cref="WidePanel"/>, that holds <paramref name="columns"/> (at least 1) columns.
    /// </summary>
    public static int NarrowestWidePanel(int columns) => Narrowest(columns, 3);

    /// <summary>The narrowest panel of <paramref name="vectors"/> vectors of 4, 8 or 16 floats (at most the widest width) that holds <paramref name="columns"/>.</summary>
    private static int Narrowest(int columns, int vectors)
    {
        int panel = vectors * SimdWidth.MaxFloats;
        while (panel / 2 >= vectors * 4 && panel / 2 >= columns)
        {
            panel /= 2;
        }

        return panel;
    }

    /// <summary>
    /// <c>c[r·ldc + j] = bias[r] + Σ_k A[r, k]·b[offsets[k] + j]</c> (then clamped by <paramref name="activation"/>) for
    /// r &lt; <paramref name="rows"/> and j &lt; <paramref name="columns"/>, a multiple of <paramref name="panel"/>
    /// (<see cref="Panel"/>, or a narrower one from <see cref="NarrowestPanel"/>: the same sums, in vectors of half the
    /// panel; or for rows that are a multiple of 8 <see cref="WidePanel"/> or one of <see cref="NarrowestWidePanel"/>, in
    /// vectors of a third of it). <paramref name="bias"/> holds <c>PaddedRows(rows)</c> values. The panels, or where there are few panels
    /// the row tiles, are shared among up to <paramref name="maxThreads"/> threads (the caller's included) in
    /// <see cref="GuidedChunks"/> of at least <see cref="MultiplyAddsPerChunk"/> multiply-adds.
    /// <paramref name="finished"/>, when not null, is called with <paramref name="finishedState"/> on the thread that
    /// computed them for each block of C that is final, rows [first, end) and columns [first, end), with where the
    /// block's column <c>first</c> of row 0 is and the block's row stride, so that the caller can move results while they
    /// are in that thread's cache. With an empty <paramref name="c"/> (then <paramref name="finished"/> is required) no C
    /// is kept: where the panels are shared each thread computes its blocks into a buffer of its own, of at most 128 KiB
    /// (or one panel's rows), asked for at the full block size whatever the block and at least the length
    /// <see cref="Reserve"/>d, so that a thread's buffer grows at most once after the plans are built; where the row tiles are, every thread writes its rows into
    /// one buffer of the caller's (all rows times all columns), taken before the work is shared. Each block is handed to
    /// <paramref name="finished"/>.
    /// Every output is the same sum in the same order whichever thread computes it and whatever the panel width, so the
    /// result is bitwise the same for any thread count.
    /// </summary>
    public static unsafe void Multiply(
        ReadOnlySpan<float> packed, ReadOnlySpan<float> bias, int rows, int depth, ReadOnlySpan<float> b, ReadOnlySpan<int> offsets,
        int columns, int panel, Span<float> c, int ldc, Activation activation, int maxThreads,
        delegate*<nint, int, int, int, int, float*, int, void> finished, nint finishedState)
    {
        if (panel != Panel && panel != NarrowestPanel(panel) && !IsWide(panel, rows))
        {
            throw new ArgumentOutOfRangeException(nameof(panel), panel, $"A panel is {Panel} columns or a narrower one of NarrowestPanel, or for rows that are a multiple of 8 {WidePanel} or a narrower one of NarrowestWidePanel.");
        }

        if (c.IsEmpty && finished == null)
        {
            throw new ArgumentException("A multiplication that keeps no C needs a callback to hand its blocks to.", nameof(c));
        }

        int panels = columns / panel, tiles = new RowTiles(rows).Units, full = IsWide(panel, rows) ? WidePanel : Panel;
        bool byRows = !IsWide(panel, rows) && panels < 4 * maxThreads && tiles > panels;
        long perItem = (long)depth * full * (byRows ? (long)panels * RowTiles.BigRows : rows);
        var chunks = new GuidedChunks(byRows ? tiles : panels, maxThreads, (int)Math.Min(int.MaxValue, MultiplyAddsPerChunk / Math.Max(1, perItem)));
        if (maxThreads <= 1 || chunks.Count <= 1)
        {
            MultiplyPanels(panel, packed, bias, rows, depth, b, offsets, 0, panels, c, ldc, activation, finished, finishedState);
            return;
        }

        if (byRows && c.IsEmpty)
        {
            ldc = panels * panel;
            c = Blocks(checked((long)rows * ldc));
        }

        fixed (float* pa = packed, pbias = bias, pb = b, pc = c)
        fixed (int* po = offsets)
        {
            var job = new Job(pa, packed.Length, pbias, bias.Length, rows, depth, pb, b.Length, po, offsets.Length, panels, panel, byRows ? tiles : 0, chunks, pc, c.Length, ldc, activation, finished, finishedState);
            WorkerTeam.Shared.Run(chunks.Count, maxThreads, &MultiplyChunk, (nint)(&job));
        }
    }

    /// <summary>
    /// One chunk of a shared multiplication: a range of whole panels (all rows), or where there are few panels a range
    /// of whole row tiles (all panels; a tile of 14 rows, the last one the remaining rows in tiles of 4).
    /// </summary>
    private static unsafe void MultiplyChunk(nint state, int chunk)
    {
        ref Job job = ref *(Job*)state;
        var a = new ReadOnlySpan<float>(job.A, job.ALength);
        var bias = new ReadOnlySpan<float>(job.Bias, job.BiasLength);
        var offsets = new ReadOnlySpan<int>(job.Offsets, job.OffsetCount);
        int panel = job.Panel;
        var c = new Span<float>(job.C, job.CLength);
        if (job.Tiles > 0)
        {
            (int firstTile, int endTile) = job.Chunks.Range(chunk);
            (int rowFirst, int rowEnd) = new RowTiles(job.Rows).UnitRows(firstTile, endTile);
            int width = job.Panels * panel;
            Multiply(panel, a, bias, job.Rows, job.Depth, new ReadOnlySpan<float>(job.B, job.BLength), offsets, width, c, job.Ldc, job.Activation, rowFirst, rowEnd);
            if (job.Finished != null)
            {
                job.Finished(job.FinishedState, rowFirst, rowEnd, 0, width, job.C, job.Ldc);
            }

            return;
        }

        (int first, int end) = job.Chunks.Range(chunk);
        MultiplyPanels(panel, a, bias, job.Rows, job.Depth, new ReadOnlySpan<float>(job.B, job.BLength), offsets, first, end, c, job.Ldc,
            job.Activation, job.Finished, job.FinishedState);
    }

    /// <summary>
    /// Panels [<paramref name="first"/>, <paramref name="end"/>), all rows, on this thread: into <paramref name="c"/>,
    /// or into this thread's buffer where <paramref name="c"/> is empty, in blocks of at most
    /// <see cref="FinishedFloats"/> handed to <paramref name="finished"/> as each is final (all at once without a callback).
    /// </summary>
    private static unsafe void MultiplyPanels(
        int panel, ReadOnlySpan<float> packed, ReadOnlySpan<float> bias, int rows, int depth, ReadOnlySpan<float> b, ReadOnlySpan<int> offsets,
        int first, int end, Span<float> c, int ldc, Activation activation, delegate*<nint, int, int, int, int, float*, int, void> finished, nint finishedState)
    {
        int step = finished == null ? Math.Max(1, end - first) : PanelsPerBlock(rows, panel);
        for (int p = first; p < end; p += step)
        {
            int width = (Math.Min(end, p + step) - p) * panel, start = p * panel, ld = c.IsEmpty ? width : ldc;
            Span<float> target = c.IsEmpty ? Blocks(checked((long)rows * step * panel))[..(rows * width)] : c[start..];
            Multiply(panel, packed, bias, rows, depth, b[start..], offsets, width, target, ld, activation, 0, rows);
            if (finished != null)
            {
                fixed (float* block = target)
                {
                    finished(finishedState, 0, rows, start, start + width, block, ld);
                }
            }
        }
    }

    /// <summary>Panels per block of C handed to a caller's callback: blocks of at most <see cref="FinishedFloats"/>, at least one panel.</summary>
    private static int PanelsPerBlock(int rows, int panel) => (int)Math.Max(1, FinishedFloats / Math.Max(1, (long)rows * panel));

    /// <summary>
    /// Makes every thread's buffer for blocks of C (a shared multiplication without a C) hold the blocks of a
    /// multiplication of <paramref name="rows"/> rows on <paramref name="panel"/> from its first use on: a plan reserves
    /// its multiplications' blocks when it is built, so that a thread's buffer grows at most once, on the first block it
    /// computes, rather than on the first block of each larger multiplication, which can come after a service's first
    /// predictions.
    /// </summary>
    public static void Reserve(int rows, int panel)
    {
        long floats = checked((long)rows * PanelsPerBlock(rows, panel) * panel), seen;
        while (floats > (seen = Volatile.Read(ref s_reservedBlocks)) && Interlocked.CompareExchange(ref s_reservedBlocks, floats, seen) != seen)
        {
        }
    }

    /// <summary>This thread's buffer for blocks of C, <paramref name="floats"/> long (at least the reserved length when it is first used).</summary>
    private static Span<float> Blocks(long floats) =>
        (t_blocks ??= new AlignedBuffer()).Get(checked((int)Math.Max(floats, Volatile.Read(ref s_reservedBlocks))))[..checked((int)floats)];

    /// <summary>
    /// Rows [<paramref name="rowFirst"/>, <paramref name="rowEnd"/>) of the multiplication on tiles of
    /// <paramref name="panel"/> columns: two vectors, or three for <see cref="WidePanel"/>.
    /// </summary>
    private static void Multiply(
        int panel, ReadOnlySpan<float> packed, ReadOnlySpan<float> bias, int rows, int depth, ReadOnlySpan<float> b, ReadOnlySpan<int> offsets,
        int columns, Span<float> c, int ldc, Activation activation, int rowFirst, int rowEnd)
    {
        bool wide = IsWide(panel, rows);
        switch (wide ? panel / 3 : panel / 2)
        {
            case 16: Multiply<Simd512, Vector512<float>, Vector512<double>>(packed, bias, rows, depth, b, offsets, columns, c, ldc, activation, rowFirst, rowEnd, wide); break;
            case 8: Multiply<Simd256, Vector256<float>, Vector256<double>>(packed, bias, rows, depth, b, offsets, columns, c, ldc, activation, rowFirst, rowEnd, wide); break;
            case 4: Multiply<Simd128, Vector128<float>, Vector128<double>>(packed, bias, rows, depth, b, offsets, columns, c, ldc, activation, rowFirst, rowEnd, wide); break;
            default: Multiply<SimdScalar, float, double>(packed, bias, rows, depth, b, offsets, columns, c, ldc, activation, rowFirst, rowEnd, wide); break;
        }
    }

    /// <summary>
    /// True when <paramref name="panel"/> is <see cref="WidePanel"/> or a narrower one of <see cref="NarrowestWidePanel"/>
    /// and the rows are a multiple of 8 (the tiles it runs on).
    /// </summary>
    private static bool IsWide(int panel, int rows) => NarrowestWidePanel(panel) == panel && rows % RowTiles.MiddleRows == 0;

    /// <summary>One multiplication shared among threads: its operands as pointers (they are pinned while it runs).</summary>
    private readonly unsafe struct Job(
        float* a, int aLength, float* bias, int biasLength, int rows, int depth, float* b, int bLength, int* offsets, int offsetCount,
        int panels, int panel, int tiles, GuidedChunks chunks, float* c, int cLength, int ldc, Activation activation,
        delegate*<nint, int, int, int, int, float*, int, void> finished, nint finishedState)
    {
        public readonly float* A = a, Bias = bias, B = b, C = c;
        public readonly int* Offsets = offsets;
        public readonly int ALength = aLength, BiasLength = biasLength, Rows = rows, Depth = depth, BLength = bLength, OffsetCount = offsetCount;
        public readonly int Panels = panels, Panel = panel, Tiles = tiles, CLength = cLength, Ldc = ldc;
        public readonly GuidedChunks Chunks = chunks;
        public readonly delegate*<nint, int, int, int, int, float*, int, void> Finished = finished;
        public readonly nint FinishedState = finishedState;
        public readonly Activation Activation = activation;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Multiply<TS, TF, TD>(
        ReadOnlySpan<float> packed, ReadOnlySpan<float> bias, int rows, int depth, ReadOnlySpan<float> b, ReadOnlySpan<int> offsets,
        int columns, Span<float> c, int ldc, Activation activation, int rowFirst, int rowEnd, bool wide)
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct
    {
        var tiles = new RowTiles(rows);
        int panel = (wide ? 3 : 2) * TS.Count, padded = wide ? rows : tiles.Padded;
        int bigEnd = Math.Min(rowEnd, tiles.Big * RowTiles.BigRows), middleEnd = Math.Min(rowEnd, bigEnd + tiles.Middle * RowTiles.MiddleRows);
        ref float ra = ref MemoryMarshal.GetReference(packed);
        ref float rb = ref MemoryMarshal.GetReference(b);
        ref float rc = ref MemoryMarshal.GetReference(c);
        ref int ro = ref MemoryMarshal.GetReference(offsets);
        ref float rbias = ref MemoryMarshal.GetReference(bias);
        for (int k0 = 0; k0 < depth; k0 += DepthBlock)
        {
            int kc = Math.Min(DepthBlock, depth - k0);
            bool first = k0 == 0, clamp = activation.IsSet && k0 + kc == depth;
            ref int blockOffsets = ref Unsafe.Add(ref ro, k0);
            int run = (long)rows * ldc * sizeof(float) >= LongRunBytes ? Math.Max(1, RunBytes / (kc * panel * sizeof(float))) * panel : panel;
            for (int start = 0; start < columns; start += run)
            {
                int end = Math.Min(columns, start + run), row = rowFirst;
                if (wide)
                {
                    for (; row < rowEnd; row += RowTiles.MiddleRows)
                    {
                        for (int j = start; j < end; j += panel)
                        {
                            GemmTiles.Rows8Wide<TS, TF, TD>(ref Unsafe.Add(ref ra, (nint)k0 * padded + (nint)row * kc), ref Unsafe.Add(ref rb, j), ref blockOffsets, kc,
                                ref Unsafe.Add(ref rc, (nint)row * ldc + j), ldc, ref Unsafe.Add(ref rbias, row), first, clamp, activation.Low, activation.High);
                        }
                    }

                    continue;
                }

                for (; row < bigEnd; row += RowTiles.BigRows)
                {
                    for (int j = start; j < end; j += panel)
                    {
                        GemmTiles.Rows14<TS, TF, TD, PackedRows>(ref Unsafe.Add(ref ra, (nint)k0 * padded + (nint)row * kc), ref blockOffsets, ref Unsafe.Add(ref rb, j), ref blockOffsets, kc,
                            ref Unsafe.Add(ref rc, (nint)row * ldc + j), ldc, ref Unsafe.Add(ref rbias, row), first, clamp, activation.Low, activation.High);
                    }
                }

                for (; row < middleEnd; row += RowTiles.MiddleRows)
                {
                    for (int j = start; j < end; j += panel)
                    {
                        GemmTiles.Rows8<TS, TF, TD>(ref Unsafe.Add(ref ra, (nint)k0 * padded + (nint)row * kc), ref Unsafe.Add(ref rb, j), ref blockOffsets, kc,
                            ref Unsafe.Add(ref rc, (nint)row * ldc + j), ldc, ref Unsafe.Add(ref rbias, row), first, clamp, activation.Low, activation.High);
                    }
                }

                for (; row < rowEnd; row += RowTiles.SmallRows)
                {
                    for (int j = start; j < end; j += panel)
                    {
                        GemmTiles.Rows4<TS, TF, TD>(ref Unsafe.Add(ref ra, (nint)k0 * padded + (nint)row * kc), ref Unsafe.Add(ref rb, j), ref blockOffsets, kc,
                            ref Unsafe.Add(ref rc, (nint)row * ldc + j), ldc, ref Unsafe.Add(ref rbias, row), first, clamp, activation.Low, activation.High,
                            Math.Min(RowTiles.SmallRows, rows - row));
                    }
                }
            }
        }
    }
}
