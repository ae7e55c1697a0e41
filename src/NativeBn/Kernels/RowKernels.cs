using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using NativeBn.Kernels.Operators;

namespace NativeBn.Kernels;

/// <summary>
/// The channels-last kernels behind <see cref="GenericKernels"/> and every generated kernel: argument checks, then the
/// shared drivers and operators on the caller's thread, in one pass. <typeparamref name="TWidth"/> fixes the row width
/// (see <see cref="IChannelWidth"/>); a generated <c>Infer64</c> is <c>RowKernels&lt;Width64&gt;.Infer</c>.
/// Data is <c>[N, C]</c> with C = <c>TWidth.Resolve</c> of the per-channel spans' length; N ≥ 1.
/// </summary>
/// <typeparam name="TWidth">The row width: a constant for generated kernels.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class RowKernels<TWidth>
    where TWidth : IChannelWidth
{
    /// <summary><c>y = x·scale + shift</c>. <paramref name="y"/> may be <paramref name="x"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Infer(ReadOnlySpan<float> x, ReadOnlySpan<float> scale, ReadOnlySpan<float> shift, Span<float> y) =>
        Affine<AffineOperator>(x, scale, shift, y);

    /// <summary><c>y = max(x·scale + shift, 0)</c>. <paramref name="y"/> may be <paramref name="x"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void InferRelu(ReadOnlySpan<float> x, ReadOnlySpan<float> scale, ReadOnlySpan<float> shift, Span<float> y) =>
        Affine<AffineReluOperator>(x, scale, shift, y);

    /// <summary><c>y = (x - mean)·scale + shift</c>. <paramref name="y"/> may be <paramref name="x"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Normalize(
        ReadOnlySpan<float> x, ReadOnlySpan<float> mean, ReadOnlySpan<float> scale, ReadOnlySpan<float> shift, Span<float> y)
    {
        int width = TWidth.Resolve(mean.Length);
        nint rows = CheckInput(width, x, nameof(x));
        KernelSupport.PerChannel(width, mean.Length, nameof(mean));
        KernelSupport.PerChannel(width, scale.Length, nameof(scale));
        KernelSupport.PerChannel(width, shift.Length, nameof(shift));
        KernelSupport.SameLength(x.Length, y.Length, nameof(y));
        ref float rx = ref MemoryMarshal.GetReference(x);
        ref float rm = ref MemoryMarshal.GetReference(mean);
        ChannelKernels.MapRows<CenteredAffineOperator, TWidth>(ref rx, ref rx, ref MemoryMarshal.GetReference(y), rows, width,
            ref rm, ref MemoryMarshal.GetReference(scale), ref MemoryMarshal.GetReference(shift), ref rm);
    }

    /// <summary><c>dx = a·dy + (a·(x - mean))·k + e</c>. <paramref name="inputGradient"/> may be an input.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void InputGradient(
        ReadOnlySpan<float> outputGradient, ReadOnlySpan<float> x, ReadOnlySpan<float> a, ReadOnlySpan<float> k,
        ReadOnlySpan<float> mean, ReadOnlySpan<float> e, Span<float> inputGradient)
    {
        int width = TWidth.Resolve(a.Length);
        nint rows = CheckInput(width, outputGradient, nameof(outputGradient));
        KernelSupport.SameLength(outputGradient.Length, x.Length, nameof(x));
        KernelSupport.PerChannel(width, a.Length, nameof(a));
        KernelSupport.PerChannel(width, k.Length, nameof(k));
        KernelSupport.PerChannel(width, mean.Length, nameof(mean));
        KernelSupport.PerChannel(width, e.Length, nameof(e));
        KernelSupport.SameLength(outputGradient.Length, inputGradient.Length, nameof(inputGradient));
        ChannelKernels.MapRows<InputGradientOperator, TWidth>(ref MemoryMarshal.GetReference(outputGradient),
            ref MemoryMarshal.GetReference(x), ref MemoryMarshal.GetReference(inputGradient), rows, width,
            ref MemoryMarshal.GetReference(a), ref MemoryMarshal.GetReference(k), ref MemoryMarshal.GetReference(mean),
            ref MemoryMarshal.GetReference(e));
    }

    /// <summary>
    /// Per-channel mean and <c>M2 = Σ(x - mean)²</c> in one read: double sums of the values shifted by each channel's
    /// first value (no float <c>E[x²] - E[x]²</c>). The biased variance is <c>M2/N</c>.
    /// </summary>
    public static void Statistics(ReadOnlySpan<float> x, Span<double> mean, Span<double> m2)
    {
        int width = TWidth.Resolve(mean.Length);
        nint rows = CheckInput(width, x, nameof(x));
        KernelSupport.PerChannel(width, mean.Length, nameof(mean));
        KernelSupport.PerChannel(width, m2.Length, nameof(m2));
        KernelSupport.FirstRowAsShift(x, mean);
        Span<double> sum = width <= KernelSupport.MaxStackChannels ? stackalloc double[width] : KernelSupport.ThreadScratch(width);
        ref float rx = ref MemoryMarshal.GetReference(x);
        ChannelKernels.SumsRows<ShiftedMomentsOperator, TWidth>(ref rx, ref rx, rows, width,
            ref MemoryMarshal.GetReference(mean), ref MemoryMarshal.GetReference(sum), ref MemoryMarshal.GetReference(m2));
        KernelSupport.FinishMoments(mean, sum, m2, rows);
    }

    /// <summary>Per-channel <c>Σdy</c> and <c>Σdy·(x - mean)</c> in double.</summary>
    public static void GradientSums(
        ReadOnlySpan<float> outputGradient, ReadOnlySpan<float> x, ReadOnlySpan<double> mean,
        Span<double> sumOutputGradient, Span<double> sumCenteredProduct)
    {
        int width = TWidth.Resolve(mean.Length);
        nint rows = CheckInput(width, outputGradient, nameof(outputGradient));
        KernelSupport.SameLength(outputGradient.Length, x.Length, nameof(x));
        KernelSupport.PerChannel(width, mean.Length, nameof(mean));
        KernelSupport.PerChannel(width, sumOutputGradient.Length, nameof(sumOutputGradient));
        KernelSupport.PerChannel(width, sumCenteredProduct.Length, nameof(sumCenteredProduct));
        ChannelKernels.SumsRows<GradientSumsOperator, TWidth>(ref MemoryMarshal.GetReference(outputGradient),
            ref MemoryMarshal.GetReference(x), rows, width, ref MemoryMarshal.GetReference(mean),
            ref MemoryMarshal.GetReference(sumOutputGradient), ref MemoryMarshal.GetReference(sumCenteredProduct));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Affine<TOp>(ReadOnlySpan<float> x, ReadOnlySpan<float> scale, ReadOnlySpan<float> shift, Span<float> y)
        where TOp : IChannelMapOperator
    {
        int width = TWidth.Resolve(scale.Length);
        nint rows = CheckInput(width, x, nameof(x));
        KernelSupport.PerChannel(width, scale.Length, nameof(scale));
        KernelSupport.PerChannel(width, shift.Length, nameof(shift));
        KernelSupport.SameLength(x.Length, y.Length, nameof(y));
        ref float rx = ref MemoryMarshal.GetReference(x);
        ref float rs = ref MemoryMarshal.GetReference(scale);
        ChannelKernels.MapRows<TOp, TWidth>(ref rx, ref rx, ref MemoryMarshal.GetReference(y), rows, width,
            ref rs, ref MemoryMarshal.GetReference(shift), ref rs, ref rs);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nint CheckInput(int width, ReadOnlySpan<float> input, string name)
    {
        if (width == 0)
        {
            KernelSupport.ThrowNoChannels(name);
        }

        return KernelSupport.Rows(width, input.Length, name);
    }
}
