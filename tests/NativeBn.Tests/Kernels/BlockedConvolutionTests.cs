using NativeBn.Kernels;
using NativeBn.Model;
using NativeBn.Model.Nodes;

namespace NativeBn.Tests.Kernels;

public class BlockedConvolutionTests
{
    /// <summary>
    /// Geometries of dense convolutions on 8, 16 or 24 input channels (the blocked path): output rows of 1 to 23
    /// positions (every tile count and every tail of the 8x8 transposes), strides 1 to 3, asymmetric padding, dilation,
    /// kernels of 1x3, 2x2 and 5x5, and output channel counts that leave the last block of channels partial.
    /// </summary>
    public static TheoryData<int, int, int, int, string, int, int, int, int> Geometries() => new()
    {
        // channels, outputs, height, width, kernel, stride, pad top/left, pad bottom/right, dilation
        { 8, 33, 1, 1, "3x3", 1, 1, 1, 1 },
        { 8, 35, 5, 7, "3x3", 1, 1, 1, 1 },
        { 16, 70, 9, 19, "3x3", 1, 1, 1, 1 },
        { 16, 70, 6, 18, "3x3", 1, 1, 1, 1 },
        { 24, 49, 12, 13, "3x3", 2, 1, 1, 1 },
        { 8, 130, 11, 8, "3x3", 2, 0, 2, 1 },
        { 16, 41, 14, 10, "5x5", 3, 2, 2, 1 },
        { 8, 33, 7, 16, "3x3", 1, 2, 2, 2 },
        { 16, 52, 6, 11, "1x3", 1, 0, 1, 1 },
        { 24, 37, 4, 23, "2x2", 1, 0, 1, 1 },
    };

    /// <summary>
    /// Each output of the blocked path is its window's sum, plus the residual, clamped, against a double-precision
    /// reference within the float rounding bound of the sum's terms, on one thread and bitwise the same on two; the
    /// convolution runs on exactly the scratch it asks for, filled with NaN before (it holds whatever the step before
    /// left there).
    /// </summary>
    [Theory]
    [MemberData(nameof(Geometries))]
    public void EveryOutputIsItsWindowsSumPlusTheResidualClamped(
        int channels, int outputs, int height, int width, string kernel, int stride, int padBefore, int padAfter, int dilation)
    {
        int kernelHeight = int.Parse(kernel.Split('x')[0], System.Globalization.CultureInfo.InvariantCulture), kernelWidth = int.Parse(kernel.Split('x')[1], System.Globalization.CultureInfo.InvariantCulture);
        var window = new Window2d(kernelHeight, kernelWidth, stride, stride, padBefore, padBefore, padAfter, padAfter, dilation, dilation);
        int taps = kernelHeight * kernelWidth, oh = window.OutputHeight(height), ow = window.OutputWidth(width);
        float[] weight = TestData.Gaussian(outputs * channels * taps, outputs + 7, std: 0.3), bias = TestData.Gaussian(outputs, outputs + 8);
        var node = new Conv2dNode("conv", "x", channels, outputs, window, 1, weight, bias);
        Assert.True(BlockedConvolution.Fits(node));
        var convolution = new PackedConvolution(node, height, width);
        float[] x = TestData.Gaussian(channels * height * width, height * 31 + width), residual = TestData.Gaussian(outputs * oh * ow, 5);
        var activation = Activation.Clamp(-1.5f, 2f);
        var y = new float[outputs * oh * ow];
        convolution.Run(x, residual, y, Garbage(convolution.ScratchLength), activation, 1);
        for (int m = 0; m < outputs; m++)
        {
            for (int i = 0; i < oh; i++)
            {
                for (int j = 0; j < ow; j++)
                {
                    double sum = bias[m], magnitude = Math.Abs(sum);
                    for (int c = 0; c < channels; c++)
                    {
                        for (int r = 0; r < kernelHeight; r++)
                        {
                            for (int s = 0; s < kernelWidth; s++)
                            {
                                int row = i * stride + r * dilation - padBefore, column = j * stride + s * dilation - padBefore;
                                if (row >= 0 && row < height && column >= 0 && column < width)
                                {
                                    double term = (double)weight[(m * channels + c) * taps + r * kernelWidth + s] * x[(c * height + row) * width + column];
                                    sum += term;
                                    magnitude += Math.Abs(term);
                                }
                            }
                        }
                    }

                    int at = (m * oh + i) * ow + j;
                    double expected = Math.Clamp(sum + residual[at], -1.5, 2);
                    magnitude += Math.Abs(residual[at]);
                    Assert.True(Math.Abs(y[at] - expected) <= (channels * taps + 2) * 1.2e-7 * magnitude + 1e-30,
                        $"output {m} at ({i}, {j}): {y[at]} vs {expected}");
                }
            }
        }

        var threads = new float[y.Length];
        convolution.Run(x, residual, threads, Garbage(convolution.ScratchLength), activation, 2);
        Assert.Equal(y, threads);
    }

    private static float[] Garbage(long length)
    {
        var scratch = new float[length];
        scratch.AsSpan().Fill(float.NaN);
        return scratch;
    }

    /// <summary>Without a residual or an activation the blocked path stores the plain sums: the same bits as with a residual of zeros.</summary>
    [Fact]
    public void WithoutAResidualOrActivationTheSumsAreStoredAsTheyAre()
    {
        var window = new Window2d(3, 3, 1, 1, 1, 1, 1, 1);
        float[] weight = TestData.Gaussian(40 * 16 * 9, 3, std: 0.3), bias = TestData.Gaussian(40, 4);
        var convolution = new PackedConvolution(new Conv2dNode("conv", "x", 16, 40, window, 1, weight, bias), 9, 11);
        float[] x = TestData.Gaussian(16 * 9 * 11, 6);
        float[] plain = new float[40 * 9 * 11], zeros = new float[plain.Length], withZeros = new float[plain.Length];
        convolution.Run(x, plain, new float[convolution.ScratchLength], Activation.None);
        convolution.Run(x, zeros, withZeros, new float[convolution.ScratchLength], Activation.None, 1);
        Assert.Equal(plain, withZeros);
        Assert.Contains(plain, v => v < 0);
    }

    [Fact]
    public void ABlockedInputTakesWholeBlocksOfChannels()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new BlockedInput(new Window2d(3, 3), 12, 5, 5));
        Assert.Equal("channels", error.ParamName);
        Assert.False(BlockedConvolution.Fits(new Conv2dNode("conv", "x", 12, 4, new Window2d(3, 3), 1, new float[4 * 12 * 9], new float[4])));
        Assert.False(BlockedConvolution.Fits(new Conv2dNode("conv", "x", 16, 4, new Window2d(1, 1, 2, 2), 1, new float[4 * 16], new float[4])));
        Assert.False(BlockedConvolution.Fits(new Conv2dNode("conv", "x", 16, 8, new Window2d(3, 3), 2, new float[8 * 8 * 9], new float[8])));
        int half = BlockedConvolution.Panel / 2;
        Assert.False(BlockedConvolution.Fits(Dense(16, half, new Window2d(3, 3))));
        Assert.True(BlockedConvolution.Fits(Dense(16, half + 1, new Window2d(3, 3))));
    }

    private static Conv2dNode Dense(int inputs, int outputs, Window2d window) =>
        new("conv", "x", inputs, outputs, window, 1, new float[outputs * inputs * window.KernelHeight * window.KernelWidth], new float[outputs]);

    /// <summary>A convolution hands its outputs to the next one's blocked layout only where both run on blocked inputs and the shapes agree.</summary>
    [Fact]
    public void AHandOffTakesBlockedConvolutionsOfMatchingShapes()
    {
        var same = new Window2d(3, 3, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1);
        var next = new BlockedInput(same, 40, 6, 6);
        var convolution = new PackedConvolution(Dense(8, 40, same), 6, 6, next);
        Assert.Equal(next.Length, convolution.OutputLength);

        var channels = Assert.Throws<ArgumentException>(() => new PackedConvolution(Dense(8, 48, same), 6, 6, next));
        Assert.Contains("gives 48 channels of 6x6", channels.Message);
        Assert.Contains("holds 40 of 6x6", channels.Message);
        var size = Assert.Throws<ArgumentException>(() => new PackedConvolution(Dense(8, 40, same), 8, 8, next));
        Assert.Contains("40 channels of 8x8", size.Message);
        Assert.Equal("next", Assert.Throws<ArgumentException>(() => new PackedConvolution(Dense(8, 40, new Window2d(1, 1)), 6, 6, next)).ParamName);
        Assert.Equal("next", Assert.Throws<ArgumentException>(() => new PackedConvolution(Dense(6, 40, same), 6, 6, readsBlocked: true)).ParamName);

        var residual = Assert.Throws<ArgumentException>(() =>
            convolution.Run(new float[8 * 36], new float[next.Length], new float[next.Length], new float[convolution.ScratchLength], Activation.None, 1));
        Assert.Equal("residual", residual.ParamName);
        var reader = new PackedConvolution(Dense(40, 36, same), 6, 6, readsBlocked: true);
        var input = Assert.Throws<ArgumentException>(() => reader.Run(new float[next.Length - 1], new float[36 * 36], new float[reader.ScratchLength], Activation.None));
        Assert.Equal("x", input.ParamName);
    }
}
