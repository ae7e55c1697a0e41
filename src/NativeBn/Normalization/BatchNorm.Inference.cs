using System.Runtime.CompilerServices;
using NativeBn.Kernels;

namespace NativeBn.Normalization;

public sealed partial class BatchNorm
{
    /// <summary>
    /// Inference with stored statistics for any batch size, including 1: <c>y = x·scale + shift</c> with the cached
    /// folded coefficients (see <see cref="GetInferenceCoefficients"/>), optionally followed by ReLU. Changes nothing
    /// and may run on many threads at once.
    /// </summary>
    /// <param name="x">Input of <paramref name="shape"/>.</param>
    /// <param name="shape">Shape and layout; its channel count must equal <see cref="Channels"/>.</param>
    /// <param name="y">Output, same length; may be the same buffer as <paramref name="x"/>.</param>
    /// <param name="statistics"><see cref="NormalizationStatistics.Running"/> or <see cref="NormalizationStatistics.Population"/>.</param>
    /// <param name="fuseRelu">Apply <c>max(y, 0)</c> in the same pass.</param>
    public void Infer(
        ReadOnlySpan<float> x, TensorShape shape, Span<float> y,
        NormalizationStatistics statistics = NormalizationStatistics.Running, bool fuseRelu = false)
    {
        long positions = (long)shape.Batch * shape.Height * shape.Width;
        long count = positions * Channels;
        if (statistics == NormalizationStatistics.Running && shape.Channels == Channels && x.Length == count && y.Length == count
            && LayerKernels.IsSingleChunkRows(shape, count) && _runningCoefficients.IsCurrent(_version))
        {
            LayerKernels.AffineRows(x, _runningCoefficients.Scale, _runningCoefficients.Shift, y, (nint)positions, fuseRelu);
            return;
        }

        InferChecked(x, shape, y, statistics, fuseRelu);
    }

    /// <summary>
    /// <see cref="Infer"/> off its fast path (small rows with current running coefficients): checks the arguments, brings the
    /// coefficients up to date and runs the chunked drivers for large tensors. Kept out of <see cref="Infer"/> so that the
    /// fast path inlines into its callers without the set-up this needs.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void InferChecked(ReadOnlySpan<float> x, TensorShape shape, Span<float> y, NormalizationStatistics statistics, bool fuseRelu)
    {
        Check.Shape(shape, Channels, nameof(shape));
        long positions = (long)shape.Batch * shape.Height * shape.Width;
        long count = positions * Channels;
        Check.Length(x.Length, count, nameof(x), shape);
        Check.Length(y.Length, count, nameof(y), shape);
        InferenceCoefficients coefficients = CoefficientsChecked(statistics);
        if (LayerKernels.IsSingleChunkRows(shape, count))
        {
            LayerKernels.AffineRows(x, coefficients.Scale, coefficients.Shift, y, (nint)positions, fuseRelu);
            return;
        }

        LayerKernels.Affine(ChannelGeometry.From(shape), x, coefficients.Scale, coefficients.Shift, y, fuseRelu, MaxThreads);
    }

    /// <summary>
    /// Copies the folded inference coefficients <c>scale = gamma/sqrt(var + eps)</c> and <c>shift = beta - mean·scale</c>
    /// (computed in double, rounded to float) for the given statistics into spans of length C.
    /// </summary>
    public void GetInferenceCoefficients(NormalizationStatistics statistics, Span<float> scale, Span<float> shift)
    {
        Check.Length(scale.Length, Channels, nameof(scale), "one per channel");
        Check.Length(shift.Length, Channels, nameof(shift), "one per channel");
        GetStoredStatistics(statistics, nameof(statistics), out _, out _);
        InferenceCoefficients coefficients = CurrentCoefficients(statistics);
        coefficients.Scale.CopyTo(scale);
        coefficients.Shift.CopyTo(shift);
    }

    /// <summary>The coefficients for a source after checking it (the slow path of <see cref="Infer"/>).</summary>
    private InferenceCoefficients CoefficientsChecked(NormalizationStatistics statistics)
    {
        GetStoredStatistics(statistics, nameof(statistics), out _, out _);
        return CurrentCoefficients(statistics);
    }

    /// <summary>The coefficients for a stored source, recomputed only when parameters, statistics or options changed.</summary>
    private InferenceCoefficients CurrentCoefficients(NormalizationStatistics source)
    {
        InferenceCoefficients coefficients =
            source == NormalizationStatistics.Population ? _populationCoefficients : _runningCoefficients;
        long version = _version;
        if (!coefficients.IsCurrent(version))
        {
            GetStoredStatistics(source, nameof(source), out ReadOnlySpan<double> mean, out ReadOnlySpan<double> variance);
            coefficients.Refresh(version, _gamma, _beta, mean, variance, Epsilon);
        }

        return coefficients;
    }
}
