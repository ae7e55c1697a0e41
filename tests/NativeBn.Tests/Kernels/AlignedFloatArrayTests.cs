using NativeBn.Kernels;
using NativeBn.Normalization;

namespace NativeBn.Tests.Kernels;

/// <summary>
/// Per-channel parameters the kernels load once per vector start on a cache line, and stay there: the arrays, the
/// growable buffer built on them, and the folded inference coefficients of a layer.
/// </summary>
public class AlignedFloatArrayTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(1000)]
    [InlineData(4097)]
    public unsafe void StartsOnACacheLineHoldsZerosAndKeepsWrites(int length)
    {
        var arrays = Enumerable.Range(0, 8).Select(_ => new AlignedFloatArray(length)).ToArray();
        foreach (AlignedFloatArray array in arrays)
        {
            Assert.Equal(length, array.Length);
            Assert.Equal(length, array.Span.Length);
            Assert.All(array.Span.ToArray(), value => Assert.Equal(0f, value));
            array.Span[^1] = length;
        }

        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        foreach (AlignedFloatArray array in arrays)
        {
            fixed (float* first = array.Span)
            {
                Assert.Equal(0, (long)first % 64);
            }

            Assert.Equal(length, array.Span[^1]);
        }
    }

    [Fact]
    public void AnEmptyArrayHasAnEmptySpan()
    {
        var array = new AlignedFloatArray(0);
        Assert.Equal(0, array.Span.Length);
    }

    [Fact]
    public void ANegativeOrOversizedLengthIsRefused()
    {
        var negative = Assert.Throws<ArgumentOutOfRangeException>(() => new AlignedFloatArray(-1));
        Assert.Equal("length", negative.ParamName);
        Assert.Throws<OverflowException>(() => new AlignedFloatArray(int.MaxValue));
    }

    [Fact]
    public unsafe void TheBufferGrowsAlignedAndKeepsItsMemoryWhenLargeEnough()
    {
        var buffer = new AlignedBuffer();
        Span<float> small = buffer.Get(40);
        small[3] = 7;
        Span<float> again = buffer.Get(20);
        Assert.Equal(20, again.Length);
        Assert.Equal(7f, again[3]);
        Span<float> large = buffer.Get(5000);
        Assert.Equal(5000, large.Length);
        fixed (float* a = small, b = large)
        {
            Assert.Equal(0, (long)a % 64);
            Assert.Equal(0, (long)b % 64);
        }
    }

    [Fact]
    public unsafe void InferenceCoefficientsStartOnACacheLine()
    {
        foreach (int channels in new[] { 3, 64, 100, 1024 })
        {
            var coefficients = new InferenceCoefficients(channels);
            fixed (float* scale = coefficients.Scale, shift = coefficients.Shift)
            {
                Assert.Equal(0, (long)scale % 64);
                Assert.Equal(0, (long)shift % 64);
            }

            Assert.Equal(channels, coefficients.Scale.Length);
            Assert.Equal(channels, coefficients.Shift.Length);
        }
    }
}
