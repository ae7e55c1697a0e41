using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace NativeBn.Kernels;

/// <summary>
/// Argument checks and shared steps of the kernels, used by <see cref="GenericKernels"/> and by generated kernels
/// so that both validate and finish their results the same way.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class KernelSupport
{
    /// <summary>Widest row whose per-channel sums the statistics kernels keep on the stack.</summary>
    internal const int MaxStackChannels = 1024;

    [ThreadStatic]
    private static double[]? t_scratch;

    /// <summary>Rows of a channels-last buffer: throws unless <paramref name="length"/> is a positive multiple of <paramref name="width"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static nint Rows(int width, int length, string name)
    {
        uint rows = (uint)length / (uint)width;
        if (rows == 0 || rows * (uint)width != (uint)length)
        {
            ThrowNotRows(width, length, name);
        }

        return (nint)rows;
    }

    /// <summary>Throws unless a per-channel buffer holds exactly <paramref name="width"/> values.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void PerChannel(int width, int length, string name)
    {
        if (length != width)
        {
            ThrowNotPerChannel(width, length, name);
        }
    }

    /// <summary>Throws unless a buffer has the same length as the input.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SameLength(int expected, int length, string name)
    {
        if (length != expected)
        {
            ThrowNotSameLength(expected, length, name);
        }
    }

    /// <summary>Each channel's shift for the moment sums: its value in the first row.</summary>
    public static void FirstRowAsShift(ReadOnlySpan<float> x, Span<double> shift)
    {
        for (int c = 0; c < shift.Length; c++)
        {
            shift[c] = x[c];
        }
    }

    /// <summary>
    /// Turns shifted sums into moments: <c>mean = k + Σd/n</c>, <c>M2 = max(0, Σd² - (Σd)²/n)</c>, where
    /// <paramref name="mean"/> holds the shifts k on entry and <paramref name="m2"/> holds Σd².
    /// </summary>
    public static void FinishMoments(Span<double> mean, ReadOnlySpan<double> sum, Span<double> m2, double count)
    {
        double inverse = 1 / count;
        int c = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var vInverse = new Vector<double>(inverse);
            for (; c <= mean.Length - Vector<double>.Count; c += Vector<double>.Count)
            {
                var s = new Vector<double>(sum[c..]);
                (new Vector<double>(mean[c..]) + s * vInverse).CopyTo(mean[c..]);
                Vector.Max(Vector<double>.Zero, new Vector<double>(m2[c..]) - s * s * vInverse).CopyTo(m2[c..]);
            }
        }

        for (; c < mean.Length; c++)
        {
            double s = sum[c];
            mean[c] += s * inverse;
            m2[c] = Math.Max(0, m2[c] - s * s * inverse);
        }
    }

    /// <summary>
    /// This thread's reusable scratch of at least <paramref name="length"/> doubles (for rows too wide for the stack):
    /// allocated once per thread and size, then reused.
    /// </summary>
    internal static Span<double> ThreadScratch(int length)
    {
        double[]? scratch = t_scratch;
        if (scratch is null || scratch.Length < length)
        {
            t_scratch = scratch = new double[length];
        }

        return scratch.AsSpan(0, length);
    }

    [DoesNotReturn]
    internal static void ThrowNoChannels(string name) =>
        throw new ArgumentException("The per-channel spans are empty; the width (channel count) must be at least 1.", name);

    [DoesNotReturn]
    private static void ThrowNotRows(int width, int length, string name) =>
        throw new ArgumentException(
            $"{name} has {length} values; expected a positive multiple of the width {width} (N rows of {width} channels).", name);

    [DoesNotReturn]
    private static void ThrowNotPerChannel(int width, int length, string name) =>
        throw new ArgumentException($"{name} has {length} values; expected one per channel ({width}).", name);

    [DoesNotReturn]
    private static void ThrowNotSameLength(int expected, int length, string name) =>
        throw new ArgumentException($"{name} has {length} values; expected {expected}, the length of the input.", name);
}
