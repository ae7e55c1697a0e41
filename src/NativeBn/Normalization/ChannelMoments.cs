using NativeBn.Kernels;

namespace NativeBn.Normalization;

/// <summary>
/// Per-channel mean and M2 = Σ(x - mean)² of a batch in one read of the input: double sums of values shifted
/// by the channel's first value, <c>mean = k + Σd/n</c>, <c>M2 = Σd² - (Σd)²/n</c> with <c>d = x - k</c>.
/// The shift keeps the subtraction well conditioned where the float <c>E[x²] - E[x]²</c> cancels catastrophically.
/// The merge and the finiteness check are public for synchronizers that combine per-participant moments.
/// </summary>
public static class ChannelMoments
{
    /// <summary>
    /// Writes each channel's mean and M2 and returns the first channel whose statistics are not finite
    /// (the batch holds NaN or infinity there), or -1.
    /// </summary>
    internal static int Compute(
        ReadOnlySpan<float> x, TensorShape shape, Span<double> mean, Span<double> m2,
        ScratchBuffer scratch, int maxThreads)
    {
        LayerKernels.Statistics(shape, x, mean, m2, scratch, maxThreads);
        return FirstNonFinite(mean, m2);
    }

    /// <summary>The first channel whose mean or M2 is NaN or infinite, or -1.</summary>
    public static int FirstNonFinite(ReadOnlySpan<double> mean, ReadOnlySpan<double> m2)
    {
        for (int c = 0; c < mean.Length; c++)
        {
            if (!(double.IsFinite(mean[c]) && double.IsFinite(m2[c])))
            {
                return c;
            }
        }

        return -1;
    }

    /// <summary>
    /// Chan's merge of the summary <c>(countB, meanB, m2B)</c> into <c>(countA, meanA, m2A)</c>, channel by channel;
    /// returns the merged count. Values are not checked (NaN propagates).
    /// </summary>
    public static long Merge(long countA, Span<double> meanA, Span<double> m2A, long countB, ReadOnlySpan<double> meanB, ReadOnlySpan<double> m2B)
    {
        if (countB == 0)
        {
            return countA;
        }

        long total = countA + countB;
        double weight = (double)countB / total;
        double cross = (double)countA * countB / total;
        for (int c = 0; c < meanA.Length; c++)
        {
            double delta = meanB[c] - meanA[c];
            meanA[c] += delta * weight;
            m2A[c] += m2B[c] + delta * delta * cross;
        }

        return total;
    }
}
