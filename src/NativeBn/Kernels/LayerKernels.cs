using System.Runtime.CompilerServices;
using NativeBn.Kernels.Operators;

namespace NativeBn.Kernels;

/// <summary>
/// The kernels one layer runs, and the one place that decides between generated and generic kernels. Channels-last
/// data in a single chunk runs on row kernels: the generated constant-width kernels of <see cref="CommonWidthKernels"/>
/// when the channel count has them, <see cref="GenericKernels"/> otherwise. Everything else (channels-first planes,
/// tensors of several chunks, threads) runs on the chunked drivers of <see cref="ChannelKernels"/>. All of them run
/// the same drivers and operators, so which one runs never changes a result.
/// </summary>
internal sealed class LayerKernels
{
    private static readonly WidthKernels s_genericRows = new(
        0, GenericKernels.Infer, GenericKernels.InferRelu, GenericKernels.Normalize, GenericKernels.InputGradient,
        GenericKernels.Statistics, GenericKernels.GradientSums);

    public LayerKernels(int channels) => Rows = RowsFor(channels);

    /// <summary>The row kernels for this layer's channel count: generated when it has them, generic otherwise.</summary>
    public WidthKernels Rows { get; }

    /// <summary>The row kernels for <paramref name="channels"/> channels: generated when it has them, generic otherwise.</summary>
    public static WidthKernels RowsFor(int channels) =>
        CommonWidthKernels.TryGetKernels(channels, out WidthKernels? kernels) ? kernels : s_genericRows;

    /// <summary>True when the row kernels have a constant width for this channel count.</summary>
    public bool IsGenerated => !ReferenceEquals(Rows, s_genericRows);

    /// <summary>True when <paramref name="geometry"/> runs on the row kernels (channels-last, one chunk).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool RunsOnRows(in ChannelGeometry geometry) => geometry.IsChannelsLast && geometry.IsSingleChunk;

    /// <summary>
    /// True when a tensor of <paramref name="count"/> values and <paramref name="shape"/> runs on the row kernels,
    /// without building its geometry (see <see cref="ChannelGeometry.From"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool RunsOnRows(in TensorShape shape, long count) =>
        count <= ChannelGeometry.ChunkElements && shape.Channels > 1
        && (shape.Layout != TensorLayout.NCHW || shape.Height * shape.Width == 1);

    /// <summary><c>y = x·scale + shift</c>, optionally followed by ReLU.</summary>
    public void Affine(
        in ChannelGeometry geometry, ReadOnlySpan<float> x, ReadOnlySpan<float> scale, ReadOnlySpan<float> shift,
        Span<float> y, bool relu, int maxThreads)
    {
        if (RunsOnRows(geometry))
        {
            (relu ? Rows.InferRelu : Rows.Infer)(x, scale, shift, y);
        }
        else if (relu)
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
        if (RunsOnRows(geometry))
        {
            Rows.Normalize(x, mean, scale, shift, y);
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
        if (RunsOnRows(geometry))
        {
            Rows.InputGradient(dy, x, a, b, mean, e, dx);
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
        if (RunsOnRows(geometry))
        {
            Rows.Statistics(x, mean, m2);
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
        if (RunsOnRows(geometry))
        {
            Rows.GradientSums(dy, x, mean, sumDy, sumCentered);
            return;
        }

        Span<double> work = scratch.Get(ChannelKernels.SumsScratchLength(geometry, maxThreads));
        ChannelKernels.Sums<GradientSumsOperator>(geometry, dy, x, mean, sumDy, sumCentered, work, maxThreads);
    }
}
