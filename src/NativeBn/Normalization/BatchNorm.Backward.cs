using NativeBn.Kernels;

namespace NativeBn.Normalization;

public sealed partial class BatchNorm
{
    private readonly double[] _sumA;
    private readonly double[] _sumB;
    private readonly AlignedFloatArray _gradientA;
    private readonly AlignedFloatArray _gradientK;
    private readonly AlignedFloatArray _gradientMean;
    private readonly AlignedFloatArray _gradientE;

    /// <summary>
    /// Backward pass of the last <see cref="Forward"/>: writes d(loss)/dx into <paramref name="inputGradient"/> and
    /// sets <see cref="GammaGradient"/> and <see cref="BetaGradient"/> (written, not accumulated; zero when the
    /// forward mode did not train gamma and beta). With batch statistics:
    /// <c>dbeta = Σdy</c>, <c>dgamma = Σdy·(x̂·r + d)</c>,
    /// <c>dx = gamma·r·invstd/n · (n·dy - Σdy - x̂·Σ(dy·x̂))</c> (r = 1, d = 0 without renormalization);
    /// with stored statistics <c>dx = dy·gamma·invstd</c>.
    /// </summary>
    /// <param name="x">The input given to the last forward pass.</param>
    /// <param name="outputGradient">d(loss)/dy, same shape.</param>
    /// <param name="shape">The last forward pass's shape.</param>
    /// <param name="inputGradient">Receives d(loss)/dx; may be the same buffer as <paramref name="outputGradient"/>.</param>
    /// <exception cref="InvalidOperationException">No forward pass yet.</exception>
    /// <exception cref="ArgumentException">A shape or length that differs from the last forward pass.</exception>
    public void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> outputGradient, TensorShape shape, Span<float> inputGradient)
    {
        var device = CpuDevice.Backward(x, outputGradient, inputGradient, shape, _scratch, MaxThreads);
        RunBackward(ref device, shape, hasData: true);
    }

    /// <summary>
    /// Backward pass of the last forward pass on the tensors of <paramref name="device"/> (a GPU, for example): the same
    /// sums, coefficients and gamma and beta gradients as the CPU pass, with the device doing the sums and the input
    /// gradient. The device's buffers must hold <paramref name="shape"/>.
    /// </summary>
    public void Backward<TDevice>(ref TDevice device, TensorShape shape)
        where TDevice : IBatchNormDevice, allows ref struct =>
        RunBackward(ref device, shape, hasData: true);

    /// <summary>
    /// The one backward sequence of every device; with a synchronizer, <c>Σdy</c> and <c>Σdy·(x - mean)</c> are summed
    /// over all participants (a participant without data contributes zeros), and a local failure is reported first.
    /// </summary>
    private void RunBackward<TDevice>(ref TDevice device, TensorShape shape, bool hasData)
        where TDevice : IBatchNormDevice, allows ref struct
    {
        IBatchStatisticsSynchronizer? synchronizer = _options.Synchronizer;
        SavedContext saved = _saved;
        bool exchange = synchronizer is not null && saved.IsSet && (saved.NormalizedWith == NormalizationStatistics.Batch || saved.TrainAffine);
        BackwardStep step;
        try
        {
            step = BeginBackward(shape);
            if (hasData)
            {
                device.Validate(shape);
            }

            if (step.NeedsSums && hasData)
            {
                device.GradientSums(saved.Mean, _sumA, _sumB);
            }
            else if (step.NeedsSums)
            {
                Array.Clear(_sumA);
                Array.Clear(_sumB);
            }
        }
        catch when (exchange)
        {
            ReportFailure(synchronizer!, backward: true);
            throw;
        }

        if (exchange && step.NeedsSums)
        {
            synchronizer!.SumGradientSums(false, _sumA, _sumB);
        }

        bool batch = PrepareInputGradient(step);
        if (hasData && batch)
        {
            device.InputGradient(_gradientA.Span, _gradientK.Span, _gradientMean.Span, _gradientE.Span);
        }
        else if (hasData)
        {
            device.ScaleGradient(_gradientA.Span);
        }
    }

    /// <summary>Checks that a backward pass matches the last forward pass.</summary>
    private BackwardStep BeginBackward(TensorShape shape)
    {
        SavedContext saved = _saved;
        if (!saved.IsSet)
        {
            throw new InvalidOperationException("Backward needs a preceding Forward on this layer.");
        }

        if (shape != saved.Shape)
        {
            Check.Shape(shape, Channels, nameof(shape));
            throw new ArgumentException($"shape is {shape}; the last Forward used {saved.Shape}.", nameof(shape));
        }

        bool batch = saved.NormalizedWith == NormalizationStatistics.Batch;
        return new BackwardStep(shape, batch, batch || saved.TrainAffine);
    }

    /// <summary>
    /// After the sums (when needed) are in <c>_sumA</c> and <c>_sumB</c>: sets the gamma and beta gradients and the input
    /// gradient's coefficients. Returns true for batch statistics, <c>dx = a·dy + (a·(x - mean))·k + e</c>; false for stored
    /// statistics, <c>dx = a·dy</c>.
    /// </summary>
    private bool PrepareInputGradient(in BackwardStep step)
    {
        SavedContext saved = _saved;
        var coefficients = new BackwardCoefficientsOperator(
            saved, _sumA, _sumB, 1.0 / saved.Count, saved.TrainAffine, _gradientA.Span, _gradientK.Span, _gradientMean.Span, _gradientE.Span, _gammaGradient, _betaGradient);
        ChannelParameterDriver.Run(ref coefficients, Channels);
        if (!saved.TrainAffine)
        {
            Array.Clear(_gammaGradient);
            Array.Clear(_betaGradient);
        }

        return step.Batch;
    }
}
