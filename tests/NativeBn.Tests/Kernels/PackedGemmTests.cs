using NativeBn.Kernels;

namespace NativeBn.Tests.Kernels;

/// <summary>
/// In the serial collection: <see cref="AThreadsFirstBlocksTakeTheReservedLength"/> needs the process-wide block
/// reservation to stay as it set it between two multiplications, and plans built by tests running beside it raise it.
/// </summary>
[Collection(SerialCollection.Name)]
public class PackedGemmTests
{
    [Fact]
    public unsafe void AMultiplicationThatKeepsNoResultsNeedsACallback()
    {
        int rows = 5, depth = 3, columns = PackedGemm.Panel;
        var packed = new float[PackedGemm.PaddedRows(rows) * depth];
        var bias = new float[PackedGemm.PaddedRows(rows)];
        var b = new float[depth * columns];
        int[] offsets = [0, columns, 2 * columns];
        var error = Assert.Throws<ArgumentException>(() =>
            PackedGemm.Multiply(packed, bias, rows, depth, b, offsets, columns, PackedGemm.Panel, default, 0, default, 1, null, 0));
        Assert.Equal("c", error.ParamName);
    }

    /// <summary>
    /// Without a C, every block handed to the callback holds its columns' sums (a double-precision reference, within the
    /// float rounding bound of a sum of that depth), and the blocks together cover every output once, on one thread and on two.
    /// </summary>
    [Theory]
    [InlineData(70, 9, 2100, 1, false)]
    [InlineData(70, 9, 2100, 2, false)]
    [InlineData(600, 200, 64, 2, false)]
    [InlineData(64, 300, 2100, 1, true)]
    [InlineData(64, 300, 2100, 2, true)]
    [InlineData(8, 5, 200, 2, true)]
    [InlineData(136, 600, 96, 2, true)]
    public unsafe void BlocksHandedToTheCallbackHoldEveryColumnOnce(int rows, int depth, int columns, int threads, bool wide)
    {
        int panel = wide ? PackedGemm.WidePanel : PackedGemm.Panel;
        columns = Math.Max(1, columns / panel) * panel;
        float[] a = TestData.Gaussian(rows * depth, 3), b = TestData.Gaussian(depth * columns, 4), bias = new float[PackedGemm.PaddedRows(rows)];
        var packed = new float[PackedGemm.PaddedRows(rows) * depth];
        PackedGemm.Pack(a, rows, depth, packed, panel);
        int[] offsets = [.. Enumerable.Range(0, depth).Select(k => k * columns)];
        var seen = new float[rows * columns];
        var counts = new int[rows * columns];
        fixed (float* ps = seen)
        fixed (int* pc = counts)
        {
            var target = new Target(ps, pc, columns);
            PackedGemm.Multiply(packed, bias, rows, depth, b, offsets, columns, panel, default, 0, default, threads, &Collect, (nint)(&target));
        }

        Assert.All(counts, count => Assert.Equal(1, count));
        for (int r = 0; r < rows; r++)
        {
            for (int j = 0; j < columns; j++)
            {
                double expected = 0, magnitude = 0;
                for (int k = 0; k < depth; k++)
                {
                    double term = (double)a[r * depth + k] * b[k * columns + j];
                    expected += term;
                    magnitude += Math.Abs(term);
                }

                double bound = depth * 1.2e-7 * magnitude + 1e-30;
                Assert.True(Math.Abs(seen[r * columns + j] - expected) <= bound, $"row {r}, column {j}: {seen[r * columns + j]} vs {expected} (bound {bound})");
            }
        }
    }

    /// <summary>
    /// Wide tiles (8 rows, three vectors) into a C with a bias and a clamp, several depth blocks, against the double
    /// reference; the same bits on one thread and on two, and the same bits as the two-vector tiles (each output is the
    /// same sum in the same order whatever tile computes it).
    /// </summary>
    [Theory]
    [InlineData(8, 3, 1)]
    [InlineData(32, 257, 3)]
    [InlineData(72, 600, 7)]
    public void WideTilesGiveTheSumsOfTheNarrowOnes(int rows, int depth, int panels)
    {
        int columns = panels * PackedGemm.WidePanel;
        float[] a = TestData.Gaussian(rows * depth, 5), b = TestData.Gaussian(depth * columns + PackedGemm.Panel, 6), bias = TestData.Gaussian(PackedGemm.PaddedRows(rows), 7);
        int[] offsets = [.. Enumerable.Range(0, depth).Select(k => k * columns)];
        var activation = Activation.Clamp(-1.5f, 2f);
        float[] Run(int panel, int threads)
        {
            var packed = new float[PackedGemm.PaddedRows(rows) * depth];
            PackedGemm.Pack(a, rows, depth, packed, panel);
            int width = (columns + panel - 1) / panel * panel;
            var c = new float[rows * width];
            unsafe
            {
                PackedGemm.Multiply(packed, bias, rows, depth, b, offsets, width, panel, c, width, activation, threads, null, 0);
            }

            return [.. Enumerable.Range(0, rows).SelectMany(r => c.AsSpan(r * width, columns).ToArray())];
        }

        float[] one = Run(PackedGemm.WidePanel, 1);
        Assert.Equal(one, Run(PackedGemm.WidePanel, 2));
        Assert.Equal(one, Run(PackedGemm.Panel, 1));
        AssertClampedSums(one, a, b, bias, rows, depth, columns, 1);
    }

    /// <summary>
    /// A C of more than 1 MiB written in place (where row tiles run across several panels, shallow multiplications across
    /// many) holds the same bits as the blocks handed to a callback (no runs: each block is small) and as itself on two
    /// threads, and those bits are the double reference's sums within the float rounding bound; the columns past the last
    /// whole run, and the stride's gap past the columns, are covered and untouched as they should be.
    /// </summary>
    [Theory]
    [InlineData(100, 16, 3000, false)]
    [InlineData(48, 40, 5500, true)]
    [InlineData(96, 300, 2800, false)]
    public unsafe void ALargeCWrittenInPlaceHoldsTheSameSumsAsBlocks(int rows, int depth, int columns, bool wide)
    {
        int panel = wide ? PackedGemm.WidePanel : PackedGemm.Panel;
        columns = columns / panel * panel;
        int ldc = columns + 5;
        Assert.True((long)rows * ldc * sizeof(float) > 1 << 20);
        float[] a = TestData.Gaussian(rows * depth, 8), b = TestData.Gaussian(depth * columns, 9), bias = TestData.Gaussian(PackedGemm.PaddedRows(rows), 10);
        var packed = new float[PackedGemm.PaddedRows(rows) * depth];
        PackedGemm.Pack(a, rows, depth, packed, panel);
        int[] offsets = [.. Enumerable.Range(0, depth).Select(k => k * columns)];
        var activation = Activation.Clamp(-1.5f, 2f);
        float[] InPlace(int threads)
        {
            var c = new float[rows * ldc];
            c.AsSpan().Fill(7f);
            PackedGemm.Multiply(packed, bias, rows, depth, b, offsets, columns, panel, c, ldc, activation, threads, null, 0);
            for (int r = 0; r < rows; r++)
            {
                Assert.All(c.AsSpan(r * ldc + columns, ldc - columns).ToArray(), value => Assert.Equal(7f, value));
            }

            return [.. Enumerable.Range(0, rows).SelectMany(r => c.AsSpan(r * ldc, columns).ToArray())];
        }

        var blocks = new float[rows * columns];
        var counts = new int[rows * columns];
        fixed (float* ps = blocks)
        fixed (int* pc = counts)
        {
            var target = new Target(ps, pc, columns);
            PackedGemm.Multiply(packed, bias, rows, depth, b, offsets, columns, panel, default, 0, activation, 1, &Collect, (nint)(&target));
        }

        float[] one = InPlace(1);
        Assert.Equal(blocks, one);
        Assert.Equal(one, InPlace(2));
        AssertClampedSums(one, a, b, bias, rows, depth, columns, 7);
    }

    /// <summary>
    /// A multiplication without a C shared by row tiles (few panels, many rows) hands every block from one buffer taken
    /// by the caller before the work is shared, rows at their own offsets, whichever thread computed them: a thread's
    /// own buffer no longer grows the first time it takes the last rows, after the first prediction. Every block of a
    /// call starts at the same place, and the blocks still hold every output once with the right sums.
    /// </summary>
    [Fact]
    public unsafe void RowTilesSharedWithoutACWriteIntoOneBufferOfTheCallers()
    {
        int rows = 1200, depth = 200, columns = 2 * PackedGemm.Panel;
        float[] a = TestData.Gaussian(rows * depth, 11), b = TestData.Gaussian(depth * columns, 12), bias = new float[PackedGemm.PaddedRows(rows)];
        var packed = new float[PackedGemm.PaddedRows(rows) * depth];
        PackedGemm.Pack(a, rows, depth, packed, PackedGemm.Panel);
        int[] offsets = [.. Enumerable.Range(0, depth).Select(k => k * columns)];
        var starts = new nint[4 * rows];
        var seen = new float[rows * columns];
        var counts = new int[rows * columns];
        for (int call = 0; call < 20; call++)
        {
            Array.Clear(counts);
            int recorded = 0;
            fixed (float* ps = seen)
            fixed (int* pc = counts)
            fixed (nint* pstarts = starts)
            {
                var target = new Recorder(new Target(ps, pc, columns), pstarts, &recorded);
                PackedGemm.Multiply(packed, bias, rows, depth, b, offsets, columns, PackedGemm.Panel, default, 0, default, 2, &Record, (nint)(&target));
            }

            Assert.True(recorded > 1, $"call {call}: {recorded} blocks");
            Assert.All(starts.AsSpan(0, recorded).ToArray(), start => Assert.Equal(starts[0], start));
            Assert.All(counts, count => Assert.Equal(1, count));
        }

        for (int j = 0; j < columns; j += 5)
        {
            double expected = 0;
            for (int k = 0; k < depth; k++)
            {
                expected += (double)a[(rows - 1) * depth + k] * b[k * columns + j];
            }

            Assert.Equal(expected, seen[(rows - 1) * columns + j], 3e-4);
        }
    }

    /// <summary>
    /// After a multiplication's blocks are reserved, a thread that first computes the blocks of a smaller multiplication
    /// (one panel per block, about 16 400 floats) then computes those of the reserved one (about 40 000 floats per
    /// block) without allocating: its buffer took the reserved length on first use (before, it grew on the first block
    /// of each larger multiplication).
    /// </summary>
    [Fact]
    public void AThreadsFirstBlocksTakeTheReservedLength()
    {
        int panel = PackedGemm.Panel, depth = 8, columns = 2 * panel;
        int smallRows = 16_400 / panel + 1, largeRows = 40_000 / panel;
        PackedGemm.Reserve(largeRows, panel);
        long allocated = -1;
        Operands small = new(smallRows, depth, columns), large = new(largeRows, depth, columns);
        var thread = new Thread(() =>
        {
            small.Multiply();
            long before = GC.GetAllocatedBytesForCurrentThread();
            large.Multiply();
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        });
        thread.Start();
        thread.Join();
        Assert.Equal(0, allocated);
        Assert.All(large.Counts, count => Assert.Equal(1, count));
    }

    /// <summary>A multiplication without a C on one thread, its blocks counted into <see cref="Counts"/>.</summary>
    private sealed class Operands(int rows, int depth, int columns)
    {
        private readonly float[] _packed = new float[PackedGemm.PaddedRows(rows) * depth], _bias = new float[PackedGemm.PaddedRows(rows)];
        private readonly float[] _b = new float[depth * columns], _seen = new float[rows * columns];
        private readonly int[] _offsets = [.. Enumerable.Range(0, depth).Select(k => k * columns)];

        public int[] Counts { get; } = new int[rows * columns];

        public unsafe void Multiply()
        {
            fixed (float* ps = _seen)
            fixed (int* pc = Counts)
            {
                var target = new Target(ps, pc, columns);
                PackedGemm.Multiply(_packed, _bias, rows, depth, _b, _offsets, columns, PackedGemm.Panel, default, 0, default, 1, &Collect, (nint)(&target));
            }
        }
    }

    [Fact]
    public unsafe void WidePanelsNeedRowsInWholeTilesOfEight()
    {
        int rows = 12, depth = 2, columns = PackedGemm.WidePanel;
        var packed = new float[PackedGemm.PaddedRows(rows) * depth];
        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            PackedGemm.Multiply(packed, new float[PackedGemm.PaddedRows(rows)], rows, depth, new float[depth * columns], [0, columns], columns, PackedGemm.WidePanel,
                new float[rows * columns], columns, default, 1, null, 0));
        Assert.Equal("panel", error.ParamName);
        long both = 2L * PackedGemm.Panel * PackedGemm.WidePanel;
        Assert.Equal(PackedGemm.Panel, PackedGemm.PanelFor(rows, 64, both));
        Assert.Equal(PackedGemm.WidePanel, PackedGemm.PanelFor(16, 64, both));
        Assert.Equal(PackedGemm.Panel, PackedGemm.PanelFor(16, 16, both));
    }

    /// <summary>
    /// Every <paramref name="columnStep"/>-th column of <paramref name="actual"/> <c>[rows, columns]</c> against the double
    /// reference <c>clamp(bias + A·B, -1.5, 2)</c>, within the float rounding bound of a sum of depth + 1 terms.
    /// </summary>
    private static void AssertClampedSums(float[] actual, float[] a, float[] b, float[] bias, int rows, int depth, int columns, int columnStep)
    {
        for (int r = 0; r < rows; r++)
        {
            for (int j = 0; j < columns; j += columnStep)
            {
                double expected = bias[r], magnitude = Math.Abs(bias[r]);
                for (int k = 0; k < depth; k++)
                {
                    double term = (double)a[r * depth + k] * b[k * columns + j];
                    expected += term;
                    magnitude += Math.Abs(term);
                }

                expected = Math.Clamp(expected, -1.5, 2);
                double bound = (depth + 1) * 1.2e-7 * magnitude + 1e-30;
                Assert.True(Math.Abs(actual[r * columns + j] - expected) <= bound, $"row {r}, column {j}: {actual[r * columns + j]} vs {expected} (bound {bound})");
            }
        }
    }

    private static unsafe void Collect(nint state, int rowFirst, int rowEnd, int columnFirst, int columnEnd, float* block, int stride)
    {
        ref Target target = ref *(Target*)state;
        for (int r = rowFirst; r < rowEnd; r++)
        {
            for (int j = columnFirst; j < columnEnd; j++)
            {
                target.Seen[r * target.Columns + j] = block[r * stride + j - columnFirst];
                Interlocked.Increment(ref target.Counts[r * target.Columns + j]);
            }
        }
    }

    private static unsafe void Record(nint state, int rowFirst, int rowEnd, int columnFirst, int columnEnd, float* block, int stride)
    {
        ref Recorder recorder = ref *(Recorder*)state;
        recorder.Starts[Interlocked.Increment(ref *recorder.Count) - 1] = (nint)block;
        Target target = recorder.Target;
        Collect((nint)(&target), rowFirst, rowEnd, columnFirst, columnEnd, block, stride);
    }

    private readonly unsafe struct Recorder(Target target, nint* starts, int* count)
    {
        public readonly Target Target = target;
        public readonly nint* Starts = starts;
        public readonly int* Count = count;
    }

    private readonly unsafe struct Target(float* seen, int* counts, int columns)
    {
        public readonly float* Seen = seen;
        public readonly int* Counts = counts;
        public readonly int Columns = columns;
    }
}
