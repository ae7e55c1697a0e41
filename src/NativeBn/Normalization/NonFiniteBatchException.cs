namespace NativeBn.Normalization;

/// <summary>
/// A batch held NaN or infinity in some channel and the layer's <see cref="NonFinitePolicy"/> is
/// <see cref="NonFinitePolicy.Throw"/>: the batch was rejected and the layer is unchanged.
/// </summary>
public sealed class NonFiniteBatchException : ArgumentException
{
    /// <summary>An exception for <paramref name="channel"/>, naming the input argument <paramref name="paramName"/>.</summary>
    public NonFiniteBatchException(int channel, string paramName)
        : base($"{paramName} holds NaN or infinity in channel {channel}; the batch was rejected and the layer is unchanged. " +
            "NonFinitePolicy.SkipUpdate normalizes such batches without updating the running statistics.", paramName) =>
        Channel = channel;

    /// <summary>The first channel with a value that is not finite.</summary>
    public int Channel { get; }
}
