using System.Runtime.Intrinsics;

namespace NativeBn.Kernels;

/// <summary>
/// Runs an <see cref="IChannelParameterOperator"/> over <c>channels</c> channels at the widest SIMD width that fits:
/// full vectors, then one last vector ending at the last channel (overlapping the previous one, harmless because the
/// operator is pure). Fewer channels than the narrowest vector run on the scalar width.
/// </summary>
internal static class ChannelParameterDriver
{
    public static void Run<TOp>(scoped ref TOp op, int channels)
        where TOp : IChannelParameterOperator, allows ref struct
    {
        switch (SimdWidth.ForRun(channels))
        {
            case 16:
                Run<TOp, Simd512, Vector512<float>, Vector512<double>>(ref op, channels);
                break;
            case 8:
                Run<TOp, Simd256, Vector256<float>, Vector256<double>>(ref op, channels);
                break;
            case 4:
                Run<TOp, Simd128, Vector128<float>, Vector128<double>>(ref op, channels);
                break;
            default:
                Run<TOp, SimdScalar, float, double>(ref op, channels);
                break;
        }
    }

    private static void Run<TOp, TS, TF, TD>(scoped ref TOp op, int channels)
        where TOp : IChannelParameterOperator, allows ref struct
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct
    {
        nint count = TS.Count;
        nint c = 0;
        for (; c + count <= channels; c += count)
        {
            op.Invoke<TS, TF, TD>(c);
        }

        if (c < channels)
        {
            op.Invoke<TS, TF, TD>(channels - count);
        }
    }
}
