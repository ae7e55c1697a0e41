namespace NativeBn.Kernels;

/// <summary>
/// The channel count of channels-last rows as the kernels see it. Generated kernels pass a struct whose
/// <see cref="Resolve"/> returns their constant width, so the JIT compiles the shared drivers with the width, the
/// SIMD choice and the row geometry folded to constants; the generic kernels pass one that returns the run-time
/// count. Both run the same drivers and operators, so their results are bit-identical by construction.
/// </summary>
public interface IChannelWidth
{
    /// <summary>The width of a row whose per-channel spans hold <paramref name="channels"/> values.</summary>
    static abstract int Resolve(int channels);
}
