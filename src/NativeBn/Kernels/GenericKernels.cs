using NativeBn.Kernels.Operators;

namespace NativeBn.Kernels;

/// <summary>
/// Kernels for any channel count on channels-last data <c>[N, C]</c> (C is the length of the per-channel spans),
/// on the caller's thread, in one pass. They have the signatures of the kernels the source generator emits for
/// constant widths (see <see cref="BatchNormKernelsAttribute"/>) and give bit-identical results.
/// </summary>
public static class GenericKernels
{
    /// <summary><c>y = x·scale + shift</c>. <paramref name="y"/> may be <paramref name="x"/>.</summary>
    public static void Infer(ReadOnlySpan<float> x, ReadOnlySpan<float> scale, ReadOnlySpan<float> shift, Span<float> y) =>
        Affine<AffineOperator>(x, scale, shift, y);

    /// <summary><c>y = max(x·scale + shift, 0)</c>. <paramref name="y"/> may be <paramref name="x"/>.</summary>
    public static void InferRelu(ReadOnlySpan<float> x, ReadOnlySpan<float> scale, ReadOnlySpan<float> shift, Span<float> y) =>
        Affine<AffineReluOperator>(x, scale, shift, y);

    /// <summary><c>y = (x - mean)·scale + shift</c>. <paramref name="y"/> may be <paramref name="x"/>.</summary>
    public static void Normalize(
        ReadOnlySpan<float> x, ReadOnlySpan<float> mean, ReadOnlySpan<float> scale, ReadOnlySpan<float> shift, Span<float> y)
    {
        int width = mean.Length;
        nint rows = CheckInput(width, x, nameof(x));
        KernelSupport.PerChannel(width, scale.Length, nameof(scale));
        KernelSupport.PerChannel(width, shift.Length, nameof(shift));
        KernelSupport.SameLength(x.Length, y.Length, nameof(y));
        ChannelKernels.Map<CenteredAffineOperator>(
            ChannelGeometry.SingleChunkRows((int)rows, width), x, default, mean, scale, shift, default, y, 1);
    }

    /// <summary><c>dx = a·dy + b·(x - mean) + e</c>. <paramref name="inputGradient"/> may be an input.</summary>
    public static void InputGradient(
        ReadOnlySpan<float> outputGradient, ReadOnlySpan<float> x, ReadOnlySpan<float> a, ReadOnlySpan<float> b,
        ReadOnlySpan<float> mean, ReadOnlySpan<float> e, Span<float> inputGradient)
    {
        int width = a.Length;
        nint rows = CheckInput(width, outputGradient, nameof(outputGradient));
        KernelSupport.SameLength(outputGradient.Length, x.Length, nameof(x));
        KernelSupport.PerChannel(width, b.Length, nameof(b));
        KernelSupport.PerChannel(width, mean.Length, nameof(mean));
        KernelSupport.PerChannel(width, e.Length, nameof(e));
        KernelSupport.SameLength(outputGradient.Length, inputGradient.Length, nameof(inputGradient));
        ChannelKernels.Map<InputGradientOperator>(
            ChannelGeometry.SingleChunkRows((int)rows, width), outputGradient, x, a, b, mean, e, inputGradient, 1);
    }

    /// <summary>
    /// Per-channel mean and <c>M2 = Σ(x - mean)²</c> in one read: double sums shifted by each channel's first value.
    /// </summary>
    public static void Statistics(ReadOnlySpan<float> x, Span<double> mean, Span<double> m2)
    {
        int width = mean.Length;
        nint rows = CheckInput(width, x, nameof(x));
        KernelSupport.PerChannel(width, m2.Length, nameof(m2));
        KernelSupport.FirstRowAsShift(x, mean);
        Span<double> sum = width <= 1024 ? stackalloc double[width] : new double[width];
        ChannelKernels.Sums<ShiftedMomentsOperator>(
            ChannelGeometry.SingleChunkRows((int)rows, width), x, default, mean, sum, m2, default, 1);
        KernelSupport.FinishMoments(mean, sum, m2, rows);
    }

    /// <summary>Per-channel <c>Σdy</c> and <c>Σdy·(x - mean)</c> in double.</summary>
    public static void GradientSums(
        ReadOnlySpan<float> outputGradient, ReadOnlySpan<float> x, ReadOnlySpan<double> mean,
        Span<double> sumOutputGradient, Span<double> sumCenteredProduct)
    {
        int width = mean.Length;
        nint rows = CheckInput(width, outputGradient, nameof(outputGradient));
        KernelSupport.SameLength(outputGradient.Length, x.Length, nameof(x));
        KernelSupport.PerChannel(width, sumOutputGradient.Length, nameof(sumOutputGradient));
        KernelSupport.PerChannel(width, sumCenteredProduct.Length, nameof(sumCenteredProduct));
        ChannelKernels.Sums<GradientSumsOperator>(
            ChannelGeometry.SingleChunkRows((int)rows, width), outputGradient, x, mean, sumOutputGradient, sumCenteredProduct, default, 1);
    }

    private static void Affine<TOp>(ReadOnlySpan<float> x, ReadOnlySpan<float> scale, ReadOnlySpan<float> shift, Span<float> y)
        where TOp : IChannelMapOperator
    {
        int width = scale.Length;
        nint rows = CheckInput(width, x, nameof(x));
        KernelSupport.PerChannel(width, shift.Length, nameof(shift));
        KernelSupport.SameLength(x.Length, y.Length, nameof(y));
        ChannelKernels.Map<TOp>(ChannelGeometry.SingleChunkRows((int)rows, width), x, default, scale, shift, default, default, y, 1);
    }

    private static nint CheckInput(int width, ReadOnlySpan<float> input, string name)
    {
        if (width == 0)
        {
            throw new ArgumentException("The per-channel spans are empty; the width (channel count) must be at least 1.", name);
        }

        return KernelSupport.Rows(width, input.Length, name);
    }
}
