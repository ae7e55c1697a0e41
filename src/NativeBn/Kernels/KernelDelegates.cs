namespace NativeBn.Kernels;

/// <summary><c>y = f(x·scale + shift)</c> on channels-last data (inference, with or without ReLU).</summary>
public delegate void AffineKernel(ReadOnlySpan<float> x, ReadOnlySpan<float> scale, ReadOnlySpan<float> shift, Span<float> y);

/// <summary><c>y = (x - mean)·scale + shift</c> on channels-last data.</summary>
public delegate void NormalizeKernel(
    ReadOnlySpan<float> x, ReadOnlySpan<float> mean, ReadOnlySpan<float> scale, ReadOnlySpan<float> shift, Span<float> y);

/// <summary><c>dx = a·dy + (a·(x - mean))·k + e</c> on channels-last data.</summary>
public delegate void InputGradientKernel(
    ReadOnlySpan<float> outputGradient, ReadOnlySpan<float> x, ReadOnlySpan<float> a, ReadOnlySpan<float> k,
    ReadOnlySpan<float> mean, ReadOnlySpan<float> e, Span<float> inputGradient);

/// <summary>Per-channel mean and M2 of channels-last data.</summary>
public delegate void StatisticsKernel(ReadOnlySpan<float> x, Span<double> mean, Span<double> m2);

/// <summary>Per-channel Σdy and Σdy·(x - mean) of channels-last data.</summary>
public delegate void GradientSumsKernel(
    ReadOnlySpan<float> outputGradient, ReadOnlySpan<float> x, ReadOnlySpan<double> mean,
    Span<double> sumOutputGradient, Span<double> sumCenteredProduct);
