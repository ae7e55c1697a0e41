using NativeBn.Normalization;

namespace NativeBn.Cuda;

/// <summary>
/// A <see cref="BatchNorm"/> layer whose element-wise work and reductions run on a CUDA device: the same operations,
/// options and conventions as the CPU engine, on device buffers. Parameters, running and population statistics stay in
/// the host <see cref="Layer"/> (they are C numbers); per-channel coefficients are computed there by the same code as
/// on the CPU and copied to the device each call. Statistics are accumulated on the device in double with per-thread
/// Welford updates merged by Chan's formula, so they agree with the CPU's to rounding.
/// </summary>
public sealed unsafe class CudaBatchNorm : IDisposable
{
    private readonly CudaDevice _device;
    private readonly CudaMemory<float> _normalizeMean, _normalizeScale, _normalizeShift, _gradientA, _gradientK, _gradientMean, _gradientE, _zero;
    private readonly CudaMemory<double> _mean, _m2;
    private readonly float[] _scale, _shift;

    /// <summary>Runs <paramref name="layer"/> on <paramref name="device"/>.</summary>
    public CudaBatchNorm(CudaDevice device, BatchNorm layer)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(layer);
        if (layer.Options.Synchronizer is not null)
        {
            throw new ArgumentException("Synchronized layers (BatchNormOptions.Synchronizer) run on the CPU engine only.", nameof(layer));
        }

        _device = device;
        Layer = layer;
        int c = layer.Channels;
        _normalizeMean = device.AllocateFloats(c);
        _normalizeScale = device.AllocateFloats(c);
        _normalizeShift = device.AllocateFloats(c);
        _gradientA = device.AllocateFloats(c);
        _gradientK = device.AllocateFloats(c);
        _gradientMean = device.AllocateFloats(c);
        _gradientE = device.AllocateFloats(c);
        _zero = device.AllocateFloats(c);
        _zero.Upload(new float[c]);
        _mean = device.AllocateDoubles(c);
        _m2 = device.AllocateDoubles(c);
        _scale = new float[c];
        _shift = new float[c];
    }

    /// <summary>The host layer: parameters, gradients, running and population statistics, conventions.</summary>
    public BatchNorm Layer { get; }

    /// <summary>Inference <c>y = x·scale + shift</c> (optionally with ReLU) with stored statistics; see <see cref="BatchNorm.Infer"/>.</summary>
    public void Infer(CudaMemory<float> x, TensorShape shape, CudaMemory<float> y, NormalizationStatistics statistics = NormalizationStatistics.Running, bool fuseRelu = false)
    {
        CheckBuffers(shape, (x, nameof(x)), (y, nameof(y)));
        Layer.GetInferenceCoefficients(statistics, _scale, _shift);
        _normalizeScale.Upload(_scale);
        _normalizeShift.Upload(_shift);
        Affine(x, y, _normalizeScale, _normalizeShift, shape, fuseRelu);
        _device.Synchronize();
    }

    /// <summary>Training forward pass on the device; see <see cref="BatchNorm.Forward(ReadOnlySpan{float}, TensorShape, Span{float}, BatchNormMode)"/>.</summary>
    public BatchNormForwardResult Forward(CudaMemory<float> x, TensorShape shape, CudaMemory<float> y, BatchNormMode mode)
    {
        CheckBuffers(shape, (x, nameof(x)), (y, nameof(y)));
        var pass = new Pass(this, shape, x, y, null, null);
        BatchNormForwardResult result = Layer.Forward(ref pass, shape, mode);
        _device.Synchronize();
        return result;
    }

    /// <summary>Backward pass of the last <see cref="Forward"/> on the device; gradients of gamma and beta land in <see cref="Layer"/>.</summary>
    public void Backward(CudaMemory<float> x, CudaMemory<float> outputGradient, TensorShape shape, CudaMemory<float> inputGradient)
    {
        CheckBuffers(shape, (x, nameof(x)), (outputGradient, nameof(outputGradient)), (inputGradient, nameof(inputGradient)));
        var pass = new Pass(this, shape, x, null, outputGradient, inputGradient);
        Layer.Backward(ref pass, shape);
        _device.Synchronize();
    }

    /// <summary>The device work of one pass: kernels on the pass's buffers, per-channel coefficients copied up first.</summary>
    private readonly struct Pass(
        CudaBatchNorm owner, TensorShape shape, CudaMemory<float> x, CudaMemory<float>? y, CudaMemory<float>? outputGradient, CudaMemory<float>? inputGradient)
        : IBatchNormDevice
    {
        public void Validate(TensorShape expected)
        {
            if (expected != shape)
            {
                throw new ArgumentException($"shape is {expected}; the device buffers were checked for {shape}.", nameof(shape));
            }
        }

        public void Moments(scoped Span<double> mean, scoped Span<double> m2)
        {
            owner.Reduce("nbn_moments", x, x, owner._mean, owner._mean, owner._m2, shape);
            owner._mean.Download(mean);
            owner._m2.Download(m2);
        }

        public void NormalizeCentered(scoped ReadOnlySpan<float> mean, scoped ReadOnlySpan<float> scale, scoped ReadOnlySpan<float> shift)
        {
            owner._normalizeMean.Upload(mean);
            owner._normalizeScale.Upload(scale);
            owner._normalizeShift.Upload(shift);
            owner.ElementWise("nbn_centered_affine", shape, x.Pointer, y!.Pointer, owner._normalizeMean.Pointer, owner._normalizeScale.Pointer, owner._normalizeShift.Pointer);
        }

        public void NormalizeAffine(scoped ReadOnlySpan<float> scale, scoped ReadOnlySpan<float> shift)
        {
            owner._normalizeScale.Upload(scale);
            owner._normalizeShift.Upload(shift);
            owner.Affine(x, y!, owner._normalizeScale, owner._normalizeShift, shape, relu: false);
        }

        public void GradientSums(scoped ReadOnlySpan<double> mean, scoped Span<double> sumOutputGradient, scoped Span<double> sumCenteredProduct)
        {
            owner._mean.Upload(mean);
            owner.Reduce("nbn_gradient_sums", outputGradient!, x, owner._mean, owner._mean, owner._m2, shape);
            owner._mean.Download(sumOutputGradient);
            owner._m2.Download(sumCenteredProduct);
        }

        public void InputGradient(scoped ReadOnlySpan<float> a, scoped ReadOnlySpan<float> k, scoped ReadOnlySpan<float> mean, scoped ReadOnlySpan<float> e)
        {
            owner._gradientA.Upload(a);
            owner._gradientK.Upload(k);
            owner._gradientMean.Upload(mean);
            owner._gradientE.Upload(e);
            owner.ElementWise("nbn_input_gradient", shape, outputGradient!.Pointer, x.Pointer, inputGradient!.Pointer,
                owner._gradientA.Pointer, owner._gradientK.Pointer, owner._gradientMean.Pointer, owner._gradientE.Pointer);
        }

        public void ScaleGradient(scoped ReadOnlySpan<float> a)
        {
            owner._gradientA.Upload(a);
            owner.Affine(outputGradient!, inputGradient!, owner._gradientA, owner._zero, shape, relu: false);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _normalizeMean.Dispose();
        _normalizeScale.Dispose();
        _normalizeShift.Dispose();
        _gradientA.Dispose();
        _gradientK.Dispose();
        _gradientMean.Dispose();
        _gradientE.Dispose();
        _zero.Dispose();
        _mean.Dispose();
        _m2.Dispose();
    }

    private void Affine(CudaMemory<float> x, CudaMemory<float> y, CudaMemory<float> scale, CudaMemory<float> shift, TensorShape shape, bool relu)
    {
        (long total, int c, int s, int channelsLast) = Geometry(shape);
        int r = relu ? 1 : 0;
        ulong px = x.Pointer, py = y.Pointer, ps = scale.Pointer, pb = shift.Pointer;
        _device.Launch("nbn_affine", Blocks(total), [(nint)(&px), (nint)(&py), (nint)(&ps), (nint)(&pb), (nint)(&total), (nint)(&c), (nint)(&s), (nint)(&channelsLast), (nint)(&r)]);
    }

    /// <summary>An element-wise kernel whose pointer arguments come first, then (total, C, S, channels_last).</summary>
    private void ElementWise(string kernel, TensorShape shape, params ReadOnlySpan<ulong> pointers)
    {
        (long total, int c, int s, int channelsLast) = Geometry(shape);
        ulong* values = stackalloc ulong[pointers.Length];
        Span<nint> arguments = stackalloc nint[pointers.Length + 4];
        for (int i = 0; i < pointers.Length; i++)
        {
            values[i] = pointers[i];
            arguments[i] = (nint)(values + i);
        }

        arguments[pointers.Length] = (nint)(&total);
        arguments[pointers.Length + 1] = (nint)(&c);
        arguments[pointers.Length + 2] = (nint)(&s);
        arguments[pointers.Length + 3] = (nint)(&channelsLast);
        _device.Launch(kernel, Blocks(total), arguments);
    }

    /// <summary>
    /// A per-channel reduction, one block per channel: nbn_moments(x, mean, m2, M, C, S, cl) or
    /// nbn_gradient_sums(dy, x, mean, a, b, M, C, S, cl).
    /// </summary>
    private void Reduce(string kernel, CudaMemory<float> u, CudaMemory<float> v, CudaMemory<double> parameter, CudaMemory<double> a, CudaMemory<double> b, TensorShape shape)
    {
        (_, int c, int s, int channelsLast) = Geometry(shape);
        long m = shape.ValuesPerChannel;
        ulong pu = u.Pointer, pv = v.Pointer, pp = parameter.Pointer, pa = a.Pointer, pb = b.Pointer;
        ReadOnlySpan<nint> arguments = kernel == "nbn_moments"
            ? [(nint)(&pu), (nint)(&pa), (nint)(&pb), (nint)(&m), (nint)(&c), (nint)(&s), (nint)(&channelsLast)]
            : [(nint)(&pu), (nint)(&pv), (nint)(&pp), (nint)(&pa), (nint)(&pb), (nint)(&m), (nint)(&c), (nint)(&s), (nint)(&channelsLast)];
        _device.Launch(kernel, (uint)c, arguments);
    }

    private static (long Total, int Channels, int Spatial, int ChannelsLast) Geometry(TensorShape shape) =>
        (shape.ElementCount, shape.Channels, shape.Layout == TensorLayout.NCHW ? shape.SpatialSize : 1, shape.Layout == TensorLayout.NCHW ? 0 : 1);

    private static uint Blocks(long total) => (uint)Math.Min(4096, (total + CudaDevice.BlockSize - 1) / CudaDevice.BlockSize);

    private void CheckBuffers(TensorShape shape, params ReadOnlySpan<(CudaMemory<float> Buffer, string Name)> buffers)
    {
        shape.EnsureValid(nameof(shape));
        if (shape.Channels != Layer.Channels)
        {
            throw new ArgumentException($"shape has {shape.Channels} channels; this layer has {Layer.Channels}.", nameof(shape));
        }

        foreach ((CudaMemory<float> buffer, string name) in buffers)
        {
            ArgumentNullException.ThrowIfNull(buffer, name);
            if (buffer.Length != shape.ElementCount)
            {
                throw new ArgumentException($"{name} holds {buffer.Length} values; shape {shape} needs {shape.ElementCount}.", name);
            }
        }
    }
}
