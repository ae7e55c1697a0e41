namespace NativeBn.Kernels;

/// <summary>A depthwise convolution kernel for one window geometry and input size, run on a range of a layer's channels.</summary>
internal interface IDepthwiseKernel
{
    /// <summary>
    /// Channels [<paramref name="firstChannel"/>, <paramref name="firstChannel"/> + <paramref name="channels"/>) of a
    /// layer: <paramref name="x"/> and <paramref name="y"/> hold those channels' input and output planes; weights
    /// laid out by <see cref="LayOut"/> and bias <c>[C]</c> are the layer's. <paramref name="y"/> must not overlap <paramref name="x"/>;
    /// <paramref name="scratch"/> holds at least <see cref="ScratchLength"/> floats.
    /// </summary>
    void Run(ReadOnlySpan<float> x, Span<float> y, int channels, int firstChannel, float[] weights, float[] bias, Activation activation, Span<float> scratch);

    /// <summary>
    /// The layer's weights <c>[C, kH·kW]</c> laid out, once per weight change, into <paramref name="laidOut"/> (of the
    /// same length) the way <see cref="Run"/> reads them; as they are unless a kernel says otherwise.
    /// </summary>
    void LayOut(ReadOnlySpan<float> weights, Span<float> laidOut) => weights.CopyTo(laidOut);

    /// <summary>Floats of scratch <see cref="Run"/> needs (0: none).</summary>
    long ScratchLength { get; }

    /// <summary>
    /// Channels the kernel computes together: threads share a layer in ranges that start at multiples of it, so each
    /// channel is computed the same way for any thread count.
    /// </summary>
    int ChannelBlock { get; }
}
