using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using NativeBn.Kernels.Operators;

namespace NativeBn.Kernels;

/// <summary>
/// The kernels a layer runs on a tensor of any layout and size: the chunked drivers of <see cref="ChannelKernels"/>,
/// which run channels-last data of one chunk as rows on the caller's thread (the code behind
/// <see cref="GenericKernels"/>) and spread larger tensors over threads. The engine uses no generated constant-width
/// kernels: they compile to the same drivers, and the benchmarks (GeneratedVsGenericBenchmarks) show no gain for the
/// engine at any width from 16 to 1024.
/// </summary>
internal static class LayerKernels
{
    /// <summary>
    /// True when a tensor of <paramref name="count"/> values and <paramref name="shape"/> is channels-last rows in one
    /// chunk (see <see cref="ChannelGeometry.From"/>), which <see cref="AffineRows"/> runs without building a geometry.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsSingleChunkRows(in TensorShape shape, long count) =>
        count <= ChannelGeometry.ChunkElements && shape.Channels > 1
        && (shape.Layout != TensorLayout.NCHW || shape.Height * shape.Width == 1);

    /// <summary>
    /// <c>y = x·scale + shift</c>, optionally followed by ReLU, on <paramref name="rows"/> channels-last rows of one
    /// chunk, on the caller's thread: the same rows <see cref="Affine"/> runs for such data, without its set-up.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AffineRows(
        ReadOnlySpan<float> x, ReadOnlySpan<float> scale, ReadOnlySpan<float> shift, Span<float> y, nint rows, bool relu)
    {
        ref float rx = ref MemoryMarshal.GetReference(x);
        ref float rs = ref MemoryMarshal.GetReference(scale);
        ref float rb = ref MemoryMarshal.GetReference(shift);
        ref float ry = ref MemoryMarshal.GetReference(y);
        if (relu)
        {
            ChannelKernels.MapRows<AffineReluOperator, AnyWidth>(ref rx, ref rx, ref ry, rows, scale.Length, ref rs, ref rb, ref rs, ref rs);
        }
        else
        {
            ChannelKernels.MapRows<AffineOperator, AnyWidth>(ref rx, ref rx, ref ry, rows, scale.Length, ref rs, ref rb, ref rs, ref rs);
        }
    }

    /// <summary><c>y = x·scale + shift</c>, optionally followed by ReLU.</summary>
    public static void Affine(
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
    public static void Normalize(
        in ChannelGeometry geometry, ReadOnlySpan<float> x, ReadOnlySpan<float> mean, ReadOnlySpan<float> scale,
        ReadOnlySpan<float> shift, Span<float> y, int maxThreads)
    {
        ChannelKernels.Map<CenteredAffineOperator>(geometry, x, default, mean, scale, shift, default, y, maxThreads);
    }

    /// <summary><c>dx = a·dy + (a·(x - mean))·k + e</c>.</summary>
    public static void InputGradient(
        in ChannelGeometry geometry, ReadOnlySpan<float> dy, ReadOnlySpan<float> x, ReadOnlySpan<float> a,
        ReadOnlySpan<float> k, ReadOnlySpan<float> mean, ReadOnlySpan<float> e, Span<float> dx, int maxThreads)
    {
        ChannelKernels.Map<InputGradientOperator>(geometry, dy, x, a, k, mean, e, dx, maxThreads);
    }

    /// <summary><c>dx = dy·a</c>.</summary>
    public static void Scale(in ChannelGeometry geometry, ReadOnlySpan<float> dy, ReadOnlySpan<float> a, Span<float> dx, int maxThreads) =>
        ChannelKernels.Map<ScaleOperator>(geometry, dy, default, a, default, default, default, dx, maxThreads);

    /// <summary>Per-channel mean and M2 (see <see cref="GenericKernels.Statistics"/>) into spans of length C.</summary>
    public static void Statistics(
        TensorShape shape, ReadOnlySpan<float> x, Span<double> mean, Span<double> m2, ScratchBuffer scratch, int maxThreads)
    {
        var geometry = ChannelGeometry.From(shape);
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
    public static void GradientSums(
        in ChannelGeometry geometry, ReadOnlySpan<float> dy, ReadOnlySpan<float> x, ReadOnlySpan<double> mean,
        Span<double> sumDy, Span<double> sumCentered, ScratchBuffer scratch, int maxThreads)
    {
        Span<double> work = scratch.Get(ChannelKernels.SumsScratchLength(geometry, maxThreads));
        ChannelKernels.Sums<GradientSumsOperator>(geometry, dy, x, mean, sumDy, sumCentered, work, maxThreads);
    }

    /// <summary>Per-channel Σu in double into <paramref name="sums"/> (length C): a bias's gradient from its output gradient.</summary>
    public static void ChannelSums(in ChannelGeometry geometry, ReadOnlySpan<float> u, Span<double> sums, ScratchBuffer scratch, int maxThreads)
    {
        int channels = geometry.Channels;
        Span<double> work = scratch.Get(2 * channels + ChannelKernels.SumsScratchLength(geometry, maxThreads));
        Span<double> zeros = work[..channels];
        zeros.Clear();
        ChannelKernels.Sums<ValueSumsOperator>(geometry, u, default, zeros, sums, work.Slice(channels, channels), work[(2 * channels)..], maxThreads);
    }
}
