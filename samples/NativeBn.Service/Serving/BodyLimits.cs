namespace NativeBn.Service.Serving;

/// <summary>
/// The largest prediction body a model accepts, from its input width: <see cref="BaseBytes"/> plus
/// <see cref="BytesPerFeature"/> per feature (configuration <c>Service:MaxBodyBaseBytes</c>,
/// <c>Service:MaxBodyBytesPerFeature</c>; 1024 and 64 by default, room for any float32 in JSON with spacing).
/// </summary>
public sealed class BodyLimits(int baseBytes, int bytesPerFeature)
{
    public int BaseBytes { get; } = baseBytes > 0 ? baseBytes : throw new ArgumentOutOfRangeException(nameof(baseBytes), baseBytes, "The base of the body limit must be positive.");

    public int BytesPerFeature { get; } = bytesPerFeature >= 4 ? bytesPerFeature : throw new ArgumentOutOfRangeException(nameof(bytesPerFeature), bytesPerFeature, "The body limit per feature must be at least 4 bytes (one float32).");

    /// <summary>The limit for a model of <paramref name="inputWidth"/> features, at most <see cref="Array.MaxLength"/> - 1.</summary>
    public int For(int inputWidth) => (int)Math.Min(BaseBytes + (long)BytesPerFeature * inputWidth, Array.MaxLength - 1);
}
