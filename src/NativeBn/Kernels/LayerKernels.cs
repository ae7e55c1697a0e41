using System.Runtime.CompilerServices;
using NativeBn.Kernels.Operators;

namespace NativeBn.Kernels;

/// <summary>
/// The kernels one layer runs: the generated constant-width kernels of <see cref="CommonWidthKernels"/> for
/// channels-last data in a single chunk when its channel count has them, the generic drivers otherwise.
/// Both give bit-identical results (same per-element arithmetic, same summation order within a chunk).
/// </summary>
internal sealed class LayerKernels
{
    private readonly WidthKernels? _generated;

    public LayerKernels(int channels) =>
        _generated = CommonWidthKernels.TryGetKernels(channels, out WidthKernels? kernels) ? kernels : null;

    /// <summary>The generated kernels for this layer's channel count, or null (callers with a fast path of their own).</summary>
    public WidthKernels? Generated => _generated;

    /// <summary>True when <paramref name="geometry"/> runs on generated kernels.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool UsesGenerated(in ChannelGeometry geometry) =>
        _generated is not null && geometry.IsChannelsLast && geometry.IsSingleChunk;

    /// <summary><c>y = x·scale + shift</c>, optionally followed by ReLU.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Affine(
        in ChannelGeometry geometry, ReadOnlySpan<float> x, ReadOnlySpan<float> scale, ReadOnlySpan<float> shift,
        Span<float> y, bool relu, int maxThreads)
    {
        if (UsesGenerated(geometry))
        {
            (relu ? _generated!.InferRelu : _generated!.Infer)(x, scale, shift, y);
        }
        else
        {
            AffineGeneric(geometry, x, scale, shift, y, relu, maxThreads);
        }
    }

    private static void AffineGeneric(
        in ChannelGeometry geometry, ReadOnlySpan<float> x, ReadOnlySpan<float> scale, ReadOnlySpan<float> shift,
        Span<float> y, bool relu, int maxThreads)
    {
        if (relu)
        {
            ChannelKernels.Map<AffineReluOperator>(geometry, x, default, scale, shift, default, default, y, maxThreads);
        }
        else
        {
            ChannelKernels.Map<AffineOperator>(geometry, x, default, scale, shift, default, default, y, maxThreads);
        }
    }

    /// <summary><c>y = (x - mean)·scale + shift</c>.</summary>
    public void Normalize(
        in ChannelGeometry geometry, ReadOnlySpan<float> x, ReadOnlySpan<float> mean, ReadOnlySpan<float> scale,
        ReadOnlySpan<float> shift, Span<float> y, int maxThreads)
    {
        if (UsesGenerated(geometry))
        {
            _generated!.Normalize(x, mean, scale, shift, y);
        }
        else
        {
            ChannelKernels.Map<CenteredAffineOperator>(geometry, x, default, mean, scale, shift, default, y, maxThreads);
        }
    }

    /// <summary><c>dx = a·dy + b·(x - mean) + e</c>.</summary>
    public void InputGradient(
        in ChannelGeometry geometry, ReadOnlySpan<float> dy, ReadOnlySpan<float> x, ReadOnlySpan<float> a,
        ReadOnlySpan<float> b, ReadOnlySpan<float> mean, ReadOnlySpan<float> e, Span<float> dx, int maxThreads)
    {
        if (UsesGenerated(geometry))
        {
            _generated!.InputGradient(dy, x, a, b, mean, e, dx);
        }
        else
        {
            ChannelKernels.Map<InputGradientOperator>(geometry, dy, x, a, b, mean, e, dx, maxThreads);
        }
    }

    /// <summary><c>dx = dy·a</c>.</summary>
    public static void Scale(in ChannelGeometry geometry, ReadOnlySpan<float> dy, ReadOnlySpan<float> a, Span<float> dx, int maxThreads) =>
        ChannelKernels.Map<ScaleOperator>(geometry, dy, default, a, default, default, default, dx, maxThreads);

    /// <summary>Per-channel mean and M2 (see <see cref="GenericKernels.Statistics"/>) into spans of length C.</summary>
    public void Statistics(
        TensorShape shape, ReadOnlySpan<float> x, Span<double> mean, Span<double> m2, ScratchBuffer scratch, int maxThreads)
    {
        var geometry = ChannelGeometry.From(shape);
        if (UsesGenerated(geometry))
        {
            _generated!.Statistics(x, mean, m2);
            return;
        }

        int channels = shape.Channels;
        int channelStride = shape.Layout == TensorLayout.NCHW ? shape.SpatialSize : 1;
        for (int c = 0; c < channels; c++)
        {
            mean[c] = x[c * channelStride];
        }

        Span<double> work = scratch.Get(channels + ChannelKernels.SumsScratchLength(geometry, maxThreads));
        Span<double> sum = work[..channels];
        ChannelKernels.Sums<ShiftedMomentsOperator>(geometry, x, default, mean, sum, m2, work[channels..], maxThreads);
        KernelSupport.FinishMoments(mean, sum, m2, shape.ValuesPerChannel);
    }

    /// <summary>Per-channel Σdy and Σdy·(x - mean).</summary>
    public void GradientSums(
        in ChannelGeometry geometry, ReadOnlySpan<float> dy, ReadOnlySpan<float> x, ReadOnlySpan<double> mean,
        Span<double> sumDy, Span<double> sumCentered, ScratchBuffer scratch, int maxThreads)
    {
        if (UsesGenerated(geometry))
        {
            _generated!.GradientSums(dy, x, mean, sumDy, sumCentered);
            return;
        }

        Span<double> work = scratch.Get(ChannelKernels.SumsScratchLength(geometry, maxThreads));
        ChannelKernels.Sums<GradientSumsOperator>(geometry, dy, x, mean, sumDy, sumCentered, work, maxThreads);
    }
}
