using NativeBn.Kernels;

namespace NativeBn.Tests.Kernels;

/// <summary>
/// Every generated kernel against a double-precision scalar reference, and bit for bit against the generic kernels,
/// for every generated width; CI runs this under each SIMD setting.
/// </summary>
public class GeneratedKernelTests
{
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
    public void ElementWiseKernelsMatchReferenceAndGenericKernels(int width)
    {
        WidthKernels kernels = For(width);
        foreach (int rows in new[] { 1, 2, 5 })
        {
            float[] x = TestData.Gaussian(rows * width, width + rows, mean: 1, std: 2);
            float[] dy = TestData.Gaussian(rows * width, width + rows + 1);
            float[] p0 = TestData.Uniform(width, 1, 0.5f, 2f);
            float[] p1 = TestData.Uniform(width, 2, -1f, 1f);
            float[] p2 = TestData.Uniform(width, 3, -1f, 1f);
            float[] p3 = TestData.Uniform(width, 4, -1f, 1f);
            var generated = new float[x.Length];
            var generic = new float[x.Length];
            var expected = new double[x.Length];

            kernels.Infer(x, p0, p1, generated);
            GenericKernels.Infer(x, p0, p1, generic);
            Fill(expected, i => (double)x[i] * p0[i % width] + p1[i % width]);
            Check(expected, generated, generic, $"Infer{width} N={rows}");

            kernels.InferRelu(x, p0, p1, generated);
            GenericKernels.InferRelu(x, p0, p1, generic);
            Fill(expected, i => Math.Max(0, (double)x[i] * p0[i % width] + p1[i % width]));
            Check(expected, generated, generic, $"InferRelu{width} N={rows}");

            kernels.Normalize(x, p2, p0, p1, generated);
            GenericKernels.Normalize(x, p2, p0, p1, generic);
            Fill(expected, i => ((double)x[i] - p2[i % width]) * p0[i % width] + p1[i % width]);
            Check(expected, generated, generic, $"Normalize{width} N={rows}");

            kernels.InputGradient(dy, x, p0, p1, p2, p3, generated);
            GenericKernels.InputGradient(dy, x, p0, p1, p2, p3, generic);
            Fill(expected, i => (double)p0[i % width] * dy[i] + (double)p1[i % width] * ((double)x[i] - p2[i % width]) + p3[i % width]);
            Check(expected, generated, generic, $"InputGradient{width} N={rows}");

            float[] inPlace = (float[])x.Clone();
            kernels.Infer(inPlace, p0, p1, inPlace);
            kernels.Infer(x, p0, p1, generated);
            Assertions.BitwiseEqual(generated, inPlace, $"in-place Infer{width}");
        }
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void ReductionKernelsMatchReferenceAndGenericKernels(int width)
    {
        WidthKernels kernels = For(width);
        foreach (int rows in new[] { 1, 2, 7 })
        {
            float[] x = TestData.Gaussian(rows * width, width * 3 + rows, mean: 100, std: 3);
            float[] dy = TestData.Gaussian(rows * width, width * 3 + rows + 1);
            double[] mean = new double[width], m2 = new double[width], genericMean = new double[width], genericM2 = new double[width];

            kernels.Statistics(x, mean, m2);
            GenericKernels.Statistics(x, genericMean, genericM2);

            Assertions.BitwiseEqual(genericMean, mean, $"Statistics{width} mean vs generic");
            Assertions.BitwiseEqual(genericM2, m2, $"Statistics{width} M2 vs generic");
            for (int c = 0; c < width; c++)
            {
                double referenceMean = Enumerable.Range(0, rows).Average(r => (double)x[r * width + c]);
                double referenceM2 = Enumerable.Range(0, rows).Sum(r => Math.Pow(x[r * width + c] - referenceMean, 2));
                Assertions.Close(referenceMean, mean[c], 1e-14, $"Statistics{width} mean", c);
                Assertions.Close(referenceM2, m2[c], 1e-10, $"Statistics{width} M2", c);
            }

            double[] sumDy = new double[width], sumCentered = new double[width], genericSumDy = new double[width], genericSumCentered = new double[width];
            kernels.GradientSums(dy, x, mean, sumDy, sumCentered);
            GenericKernels.GradientSums(dy, x, mean, genericSumDy, genericSumCentered);
            Assertions.BitwiseEqual(genericSumDy, sumDy, $"GradientSums{width} Σdy vs generic");
            Assertions.BitwiseEqual(genericSumCentered, sumCentered, $"GradientSums{width} Σdy(x-mean) vs generic");
            for (int c = 0; c < width; c++)
            {
                double expectedDy = Enumerable.Range(0, rows).Sum(r => (double)dy[r * width + c]);
                double expectedCentered = Enumerable.Range(0, rows).Sum(r => dy[r * width + c] * (x[r * width + c] - mean[c]));
                Assertions.Close(expectedDy, sumDy[c], 1e-13, $"GradientSums{width} Σdy", c);
                Assertions.Close(expectedCentered, sumCentered[c], 1e-12, $"GradientSums{width} Σdy(x-mean)", c);
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
        Assert.Equal("shift", Assert.Throws<ArgumentException>(() => kernels.Infer(new float[34], p, new float[16], new float[34])).ParamName);
        Assert.Equal("y", Assert.Throws<ArgumentException>(() => kernels.Infer(new float[34], p, p, new float[17])).ParamName);
        Assert.Equal("m2", Assert.Throws<ArgumentException>(() => kernels.Statistics(new float[34], new double[17], new double[3])).ParamName);
        Assert.Equal("x", Assert.Throws<ArgumentException>(() => kernels.GradientSums(new float[34], new float[17], new double[17], new double[17], new double[17])).ParamName);
        Assert.False(TestWidthKernels.TryGetKernels(18, out _));
    }

    [Fact]
    public void EngineGivesTheSameResultsWithAndWithoutGeneratedKernels()
    {
        Assert.True(CommonWidthKernels.TryGetKernels(64, out _), "64 is a common width");
        TensorShape shape = TensorShape.Features(32, 64);
        Assert.True(new LayerKernels(64).UsesGenerated(ChannelGeometry.From(shape)));
        float[] x = TestData.Gaussian((int)shape.ElementCount, 1, mean: 2);
        float[] dy = TestData.Gaussian(x.Length, 2);
        float[] gamma = TestData.Uniform(64, 3, 0.5f, 1.5f), beta = TestData.Uniform(64, 4, -1, 1);
        var layer = new NativeBn.Normalization.BatchNorm(64, new NativeBn.Normalization.BatchNormOptions { MaxThreads = 1 });
        layer.SetParameters(gamma, beta);
        var y = new float[x.Length];
        var dx = new float[x.Length];
        layer.Forward(x, shape, y, NativeBn.Normalization.BatchNormMode.Training);
        layer.Backward(x, dy, shape, dx);

        double[] mean = new double[64], m2 = new double[64];
        GenericKernels.Statistics(x, mean, m2);
        Assertions.BitwiseEqual(mean, layer.SavedMean, "engine mean vs generic kernel");
        double[] sumDy = new double[64], sumCentered = new double[64];
        GenericKernels.GradientSums(dy, x, mean, sumDy, sumCentered);
        for (int c = 0; c < 64; c++)
        {
            Assert.Equal((float)sumDy[c], layer.BetaGradient[c]);
        }
    }

    private static void Fill(double[] values, Func<int, double> value)
    {
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = value(i);
        }
    }

    private static void Check(double[] expected, float[] generated, float[] generic, string what)
    {
        Assertions.Close(expected, generated, 2e-6, what);
        Assertions.BitwiseEqual(generic, generated, what + " vs generic");
    }
}
