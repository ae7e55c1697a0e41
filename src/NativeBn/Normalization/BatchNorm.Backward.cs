using NativeBn.Kernels;

namespace NativeBn.Normalization;

public sealed partial class BatchNorm
{
    private readonly double[] _sumA;
    private readonly double[] _sumB;

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
        if (_options.Synchronizer is { } synchronizer)
        {
            SynchronizedBackward(synchronizer, x, outputGradient, shape, inputGradient);
            return;
        }

        BackwardStep step = BeginBackward(shape);
        CheckBackwardBuffers(x, outputGradient, shape, inputGradient);
        if (step.NeedsSums)
        {
            ComputeGradientSums(x, outputGradient, shape);
        }

        ApplyInputGradient(x, outputGradient, shape, inputGradient, PrepareInputGradient(step));
    }

    private void CheckBackwardBuffers(ReadOnlySpan<float> x, ReadOnlySpan<float> outputGradient, TensorShape shape, Span<float> inputGradient)
    {
        CheckBuffer(x, shape, nameof(x));
        CheckBuffer(outputGradient, shape, nameof(outputGradient));
        CheckBuffer(inputGradient, shape, nameof(inputGradient));
    }

    private void ComputeGradientSums(ReadOnlySpan<float> x, ReadOnlySpan<float> outputGradient, TensorShape shape) =>
        LayerKernels.GradientSums(ChannelGeometry.From(shape), outputGradient, x, _saved.Mean, _sumA, _sumB, _scratch, MaxThreads);

    /// <summary>The element-wise input-gradient step with the parameters of <see cref="PrepareInputGradient"/>.</summary>
    private void ApplyInputGradient(
        ReadOnlySpan<float> x, ReadOnlySpan<float> outputGradient, TensorShape shape, Span<float> inputGradient, InputGradientParameters parameters)
    {
        var geometry = ChannelGeometry.From(shape);
        if (parameters.Batch)
        {
            LayerKernels.InputGradient(geometry, outputGradient, x, parameters.A, parameters.B, parameters.Mean, parameters.E, inputGradient, MaxThreads);
        }
        else
        {
            LayerKernels.Scale(geometry, outputGradient, parameters.A, inputGradient, MaxThreads);
        }
    }

    /// <summary>The mean the last forward pass normalized with, as the backward sums need it.</summary>
    internal ReadOnlySpan<double> BackwardMean => _saved.Mean;

    /// <summary>Buffers that receive <c>Σdy</c> and <c>Σdy·(x - mean)</c> per channel before <see cref="PrepareInputGradient"/>.</summary>
    internal Span<double> SumDyBuffer => _sumA;

    /// <inheritdoc cref="SumDyBuffer"/>
    internal Span<double> SumCenteredBuffer => _sumB;

    /// <summary>First phase of a backward pass (shared by the CPU and CUDA paths): checks that it matches the last forward pass.</summary>
    internal BackwardStep BeginBackward(TensorShape shape)
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
    /// Second phase, after the sums (when needed) are in <see cref="SumDyBuffer"/> and <see cref="SumCenteredBuffer"/>:
    /// sets the gamma and beta gradients and returns the input gradient's parameters: with batch statistics
    /// <c>dx = A·dy + B·(x - Mean) + E</c>, with stored statistics <c>dx = A·dy</c>.
    /// </summary>
    internal InputGradientParameters PrepareInputGradient(in BackwardStep step)
    {
        SavedContext saved = _saved;
        var coefficients = new BackwardCoefficientsOperator(
            saved, _sumA, _sumB, 1.0 / saved.Count, saved.TrainAffine, _p0, _p1, _p2, _p3, _gammaGradient, _betaGradient);
        ChannelParameterDriver.Run(ref coefficients, Channels);
        if (!saved.TrainAffine)
        {
            Array.Clear(_gammaGradient);
            Array.Clear(_betaGradient);
        }

        return new InputGradientParameters(step.Batch, _p0, _p1, _p2, _p3);
    }
}
