using NativeBn.Kernels;

namespace NativeBn.Tests.Kernels;

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
    [InlineData(70, 9, 2100, 1)]
    [InlineData(70, 9, 2100, 2)]
    [InlineData(600, 200, 64, 2)]
    public unsafe void BlocksHandedToTheCallbackHoldEveryColumnOnce(int rows, int depth, int columns, int threads)
    {
        columns = columns / PackedGemm.Panel * PackedGemm.Panel;
        float[] a = TestData.Gaussian(rows * depth, 3), b = TestData.Gaussian(depth * columns, 4), bias = new float[PackedGemm.PaddedRows(rows)];
        var packed = new float[PackedGemm.PaddedRows(rows) * depth];
        PackedGemm.Pack(a, rows, depth, packed);
        int[] offsets = [.. Enumerable.Range(0, depth).Select(k => k * columns)];
        var seen = new float[rows * columns];
        var counts = new int[rows * columns];
        fixed (float* ps = seen)
        fixed (int* pc = counts)
        {
            var target = new Target(ps, pc, columns);
            PackedGemm.Multiply(packed, bias, rows, depth, b, offsets, columns, PackedGemm.Panel, default, 0, default, threads, &Collect, (nint)(&target));
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

    private readonly unsafe struct Target(float* seen, int* counts, int columns)
    {
        public readonly float* Seen = seen;
        public readonly int* Counts = counts;
        public readonly int Columns = columns;
    }
}
