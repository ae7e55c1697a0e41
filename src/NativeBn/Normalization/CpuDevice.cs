using NativeBn.Kernels;

namespace NativeBn.Normalization;

/// <summary>The CPU device: the tensors are spans, the work runs on the chunked kernels with the layer's threads.</summary>
internal readonly ref struct CpuDevice(
    bool backward, ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<float> outputGradient, Span<float> inputGradient,
    TensorShape shape, ScratchBuffer scratch, int maxThreads) : IBatchNormDevice
{
    private readonly ReadOnlySpan<float> _x = x;
    private readonly Span<float> _y = y;
    private readonly ReadOnlySpan<float> _outputGradient = outputGradient;
    private readonly Span<float> _inputGradient = inputGradient;

    /// <summary>A forward pass from <paramref name="x"/> into <paramref name="y"/>.</summary>
    public static CpuDevice Forward(ReadOnlySpan<float> x, Span<float> y, TensorShape shape, ScratchBuffer scratch, int maxThreads) =>
        new(false, x, y, default, default, shape, scratch, maxThreads);

    /// <summary>A backward pass from <paramref name="outputGradient"/> and <paramref name="x"/> into <paramref name="inputGradient"/>.</summary>
    public static CpuDevice Backward(
        ReadOnlySpan<float> x, ReadOnlySpan<float> outputGradient, Span<float> inputGradient, TensorShape shape, ScratchBuffer scratch, int maxThreads) =>
        new(true, x, default, outputGradient, inputGradient, shape, scratch, maxThreads);

    private ChannelGeometry Geometry => ChannelGeometry.From(shape);

    public void Validate(TensorShape expected)
    {
        Check.Length(_x.Length, expected.ElementCount, "x", expected);
        if (!backward)
        {
            Check.Length(_y.Length, expected.ElementCount, "y", expected);
            return;
        }

        Check.Length(_outputGradient.Length, expected.ElementCount, "outputGradient", expected);
        Check.Length(_inputGradient.Length, expected.ElementCount, "inputGradient", expected);
    }

    public void Moments(scoped Span<double> mean, scoped Span<double> m2) => LayerKernels.Statistics(shape, _x, mean, m2, scratch, maxThreads);

    public void NormalizeCentered(scoped ReadOnlySpan<float> mean, scoped ReadOnlySpan<float> scale, scoped ReadOnlySpan<float> shift) =>
        LayerKernels.Normalize(Geometry, _x, mean, scale, shift, _y, maxThreads);

    public void NormalizeAffine(scoped ReadOnlySpan<float> scale, scoped ReadOnlySpan<float> shift) =>
        LayerKernels.Affine(Geometry, _x, scale, shift, _y, relu: false, maxThreads);

    public void GradientSums(scoped ReadOnlySpan<double> mean, scoped Span<double> sumOutputGradient, scoped Span<double> sumCenteredProduct) =>
        LayerKernels.GradientSums(Geometry, _outputGradient, _x, mean, sumOutputGradient, sumCenteredProduct, scratch, maxThreads);

    public void InputGradient(scoped ReadOnlySpan<float> a, scoped ReadOnlySpan<float> k, scoped ReadOnlySpan<float> mean, scoped ReadOnlySpan<float> e) =>
        LayerKernels.InputGradient(Geometry, _outputGradient, _x, a, k, mean, e, _inputGradient, maxThreads);

    public void ScaleGradient(scoped ReadOnlySpan<float> a) => LayerKernels.Scale(Geometry, _outputGradient, a, _inputGradient, maxThreads);
}
