using NativeBn.Kernels;

namespace NativeBn.Tests.Kernels;

/// <summary>
/// Every generated kernel bit for bit against the generic kernels, for every generated width and every row count from 1
/// to 40 (crossing the 8-row tile of the reductions and every tail) and large ones, and against a double-precision
/// scalar reference on a few row counts; CI runs this under each SIMD setting.
/// </summary>
public class GeneratedKernelTests
{
    /// <summary>Rows 1..40, then counts that leave every remainder of the 8-row tile and reach past 65,536 values.</summary>
    private static readonly int[] s_rowCounts = [.. Enumerable.Range(1, 40), 67, 257, 1031];

    public static TheoryData<int> Widths()
    {
        var data = new TheoryData<int>();
        foreach (int width in TestWidthKernels.KernelWidths)
        {
            data.Add(width);
        }

        return data;
    }

    private static WidthKernels For(int width)
    {
        Assert.True(TestWidthKernels.TryGetKernels(width, out WidthKernels? kernels));
        Assert.Equal(width, kernels.Width);
        return kernels;
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void ElementWiseKernelsEqualGenericKernelsBitForBit(int width)
    {
        WidthKernels kernels = For(width);
        float[] p0 = TestData.Uniform(width, 1, 0.5f, 2f);
        float[] p1 = TestData.Uniform(width, 2, -1f, 1f);
        float[] p2 = TestData.Uniform(width, 3, -1f, 1f);
        float[] p3 = TestData.Uniform(width, 4, -1f, 1f);
        foreach (int rows in s_rowCounts)
        {
            float[] x = TestData.Gaussian(rows * width, width + rows, mean: 1, std: 2);
            float[] dy = TestData.Gaussian(rows * width, width + rows + 1);
            var generated = new float[x.Length];
            var generic = new float[x.Length];

            kernels.Infer(x, p0, p1, generated);
            GenericKernels.Infer(x, p0, p1, generic);
            Assertions.BitwiseEqual(generic, generated, $"Infer{width} N={rows}");

            kernels.InferRelu(x, p0, p1, generated);
            GenericKernels.InferRelu(x, p0, p1, generic);
            Assertions.BitwiseEqual(generic, generated, $"InferRelu{width} N={rows}");

            kernels.Normalize(x, p2, p0, p1, generated);
            GenericKernels.Normalize(x, p2, p0, p1, generic);
            Assertions.BitwiseEqual(generic, generated, $"Normalize{width} N={rows}");

            kernels.InputGradient(dy, x, p0, p1, p2, p3, generated);
            GenericKernels.InputGradient(dy, x, p0, p1, p2, p3, generic);
            Assertions.BitwiseEqual(generic, generated, $"InputGradient{width} N={rows}");

            float[] inPlace = (float[])x.Clone();
            kernels.Infer(inPlace, p0, p1, inPlace);
            kernels.Infer(x, p0, p1, generated);
            Assertions.BitwiseEqual(generated, inPlace, $"in-place Infer{width} N={rows}");
        }
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void ReductionKernelsEqualGenericKernelsBitForBit(int width)
    {
        WidthKernels kernels = For(width);
        foreach (int rows in s_rowCounts)
        {
            float[] x = TestData.Gaussian(rows * width, width * 3 + rows, mean: 100, std: 3);
            float[] dy = TestData.Gaussian(rows * width, width * 3 + rows + 1);
            double[] mean = new double[width], m2 = new double[width], genericMean = new double[width], genericM2 = new double[width];
            kernels.Statistics(x, mean, m2);
            GenericKernels.Statistics(x, genericMean, genericM2);
            Assertions.BitwiseEqual(genericMean, mean, $"Statistics{width} N={rows} mean");
            Assertions.BitwiseEqual(genericM2, m2, $"Statistics{width} N={rows} M2");

            double[] sumDy = new double[width], sumCentered = new double[width];
            double[] genericSumDy = new double[width], genericSumCentered = new double[width];
            kernels.GradientSums(dy, x, mean, sumDy, sumCentered);
            GenericKernels.GradientSums(dy, x, mean, genericSumDy, genericSumCentered);
            Assertions.BitwiseEqual(genericSumDy, sumDy, $"GradientSums{width} N={rows} Σdy");
            Assertions.BitwiseEqual(genericSumCentered, sumCentered, $"GradientSums{width} N={rows} Σdy(x-mean)");
        }
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void ElementWiseKernelsMatchDoubleReference(int width)
    {
        WidthKernels kernels = For(width);
        float[] p0 = TestData.Uniform(width, 1, 0.5f, 2f);
        float[] p1 = TestData.Uniform(width, 2, -1f, 1f);
        float[] p2 = TestData.Uniform(width, 3, -1f, 1f);
        float[] p3 = TestData.Uniform(width, 4, -1f, 1f);
        foreach (int rows in new[] { 1, 9, 33 })
        {
            float[] x = TestData.Gaussian(rows * width, width + rows, mean: 1, std: 2);
            float[] dy = TestData.Gaussian(rows * width, width + rows + 1);
            var y = new float[x.Length];
            var expected = new double[x.Length];

            kernels.Infer(x, p0, p1, y);
            Fill(expected, i => (double)x[i] * p0[i % width] + p1[i % width]);
            Assertions.Close(expected, y, 2e-6, $"Infer{width} N={rows}");

            kernels.InferRelu(x, p0, p1, y);
            Fill(expected, i => Math.Max(0, (double)x[i] * p0[i % width] + p1[i % width]));
            Assertions.Close(expected, y, 2e-6, $"InferRelu{width} N={rows}");

            kernels.Normalize(x, p2, p0, p1, y);
            Fill(expected, i => ((double)x[i] - p2[i % width]) * p0[i % width] + p1[i % width]);
            Assertions.Close(expected, y, 2e-6, $"Normalize{width} N={rows}");

            kernels.InputGradient(dy, x, p0, p1, p2, p3, y);
            Fill(expected, i => (double)p0[i % width] * dy[i] + (double)p0[i % width] * ((double)x[i] - p2[i % width]) * p1[i % width] + p3[i % width]);
            Assertions.Close(expected, y, 2e-6, $"InputGradient{width} N={rows}");
        }
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void ReductionKernelsMatchDoubleReference(int width)
    {
        WidthKernels kernels = For(width);
        foreach (int rows in new[] { 1, 2, 9, 33 })
        {
            float[] x = TestData.Gaussian(rows * width, width * 3 + rows, mean: 100, std: 3);
            float[] dy = TestData.Gaussian(rows * width, width * 3 + rows + 1);
            double[] mean = new double[width], m2 = new double[width];
            kernels.Statistics(x, mean, m2);
            double[] sumDy = new double[width], sumCentered = new double[width];
            kernels.GradientSums(dy, x, mean, sumDy, sumCentered);
            for (int c = 0; c < width; c++)
            {
                double referenceMean = 0, referenceM2 = 0, expectedDy = 0, expectedCentered = 0;
                for (int r = 0; r < rows; r++)
                {
                    referenceMean += x[r * width + c];
                }

                referenceMean /= rows;
                for (int r = 0; r < rows; r++)
                {
                    double d = x[r * width + c] - referenceMean;
                    referenceM2 += d * d;
                    expectedDy += dy[r * width + c];
                    expectedCentered += (double)dy[r * width + c] * (x[r * width + c] - mean[c]);
                }

                Assertions.Close(referenceMean, mean[c], 1e-14, $"Statistics{width} N={rows} mean", c);
                Assertions.Close(referenceM2, m2[c], 1e-10, $"Statistics{width} N={rows} M2", c);
                Assertions.Close(expectedDy, sumDy[c], 1e-13, $"GradientSums{width} N={rows} Σdy", c);
                Assertions.Close(expectedCentered, sumCentered[c], 1e-12, $"GradientSums{width} N={rows} Σdy(x-mean)", c);
            }
        }
    }

    [Fact]
    public void GeneratedKernelsRejectBadLengths()
    {
        WidthKernels kernels = For(17);
        float[] p = new float[17];
        var error = Assert.Throws<ArgumentException>(() => kernels.Infer(new float[35], p, p, new float[35]));
        Assert.Equal("x", error.ParamName);
        Assert.Contains("35", error.Message);
        Assert.Contains("multiple of the width 17", error.Message);
        Assert.Equal("x", Assert.Throws<ArgumentException>(() => kernels.Infer([], p, p, [])).ParamName);
        Assert.Equal("scale", Assert.Throws<ArgumentException>(() => kernels.Infer(new float[34], new float[16], p, new float[34])).ParamName);
        Assert.Equal("shift", Assert.Throws<ArgumentException>(() => kernels.Infer(new float[34], p, new float[16], new float[34])).ParamName);
        Assert.Equal("y", Assert.Throws<ArgumentException>(() => kernels.Infer(new float[34], p, p, new float[17])).ParamName);
        Assert.Equal("mean", Assert.Throws<ArgumentException>(() => kernels.Normalize(new float[34], new float[18], p, p, new float[34])).ParamName);
        Assert.Equal("e", Assert.Throws<ArgumentException>(() => kernels.InputGradient(new float[34], new float[34], p, p, p, [], new float[34])).ParamName);
        Assert.Equal("m2", Assert.Throws<ArgumentException>(() => kernels.Statistics(new float[34], new double[17], new double[3])).ParamName);
        Assert.Equal("x", Assert.Throws<ArgumentException>(() => kernels.GradientSums(new float[34], new float[17], new double[17], new double[17], new double[17])).ParamName);
        Assert.False(TestWidthKernels.TryGetKernels(18, out _));
    }

    [Fact]
    public void GenericKernelsRejectEmptyChannels()
    {
        var error = Assert.Throws<ArgumentException>(() => GenericKernels.Infer(new float[4], [], [], new float[4]));
        Assert.Equal("x", error.ParamName);
        Assert.Contains("empty", error.Message);
    }

    [Fact]
    public void WideStatisticsAllocateNothingAfterTheFirstCall()
    {
        const int width = 3000;
        float[] x = TestData.Gaussian(4 * width, 7);
        double[] mean = new double[width], m2 = new double[width];
        Assert.Equal(0, AllocationMeter.Measure(() => GenericKernels.Statistics(x, mean, m2)));
    }

    private static void Fill(double[] values, Func<int, double> value)
    {
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = value(i);
        }
    }
}
