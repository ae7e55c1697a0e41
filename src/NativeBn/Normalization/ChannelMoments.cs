using NativeBn.Kernels;
using NativeBn.Kernels.Operators;

namespace NativeBn.Normalization;

/// <summary>
/// Per-channel mean and M2 = Σ(x - mean)² of a batch in one read of the input: double sums of values shifted
/// by the channel's first value, <c>mean = k + Σd/n</c>, <c>M2 = Σd² - (Σd)²/n</c> with <c>d = x - k</c>.
/// The shift keeps the subtraction well conditioned where the float <c>E[x²] - E[x]²</c> cancels catastrophically.
/// </summary>
internal static class ChannelMoments
{
    /// <summary>
    /// Writes each channel's mean and M2 and returns the first channel whose statistics are not finite
    /// (the batch holds NaN or infinity there), or -1.
    /// </summary>
    public static int Compute(
        ReadOnlySpan<float> x, TensorShape shape, Span<double> mean, Span<double> m2, ScratchBuffer scratch, int maxThreads)
    {
        var geometry = ChannelGeometry.From(shape);
        int channels = shape.Channels;
        int channelStride = shape.Layout == TensorLayout.NCHW ? shape.SpatialSize : 1;
        for (int c = 0; c < channels; c++)
        {
            mean[c] = x[c * channelStride];
        }

        Span<double> work = scratch.Get(channels + ChannelKernels.SumsScratchLength(geometry, maxThreads));
        Span<double> shiftedSum = work[..channels];
        ChannelKernels.Sums<ShiftedMomentsOperator>(geometry, x, default, mean, shiftedSum, m2, work[channels..], maxThreads);

        double n = shape.ValuesPerChannel;
        int firstNonFinite = -1;
        for (int c = 0; c < channels; c++)
        {
            double s = shiftedSum[c];
            mean[c] += s / n;
            m2[c] = Math.Max(0, m2[c] - s * s / n);
            if (firstNonFinite < 0 && !(double.IsFinite(mean[c]) && double.IsFinite(m2[c])))
            {
                firstNonFinite = c;
            }
        }

        return firstNonFinite;
    }
}
