namespace NativeBn.Kernels;

/// <summary>The run-time width: rows as wide as the per-channel spans.</summary>
internal readonly struct AnyWidth : IChannelWidth
{
    public static int Resolve(int channels) => channels;
}
