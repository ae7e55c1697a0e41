using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NativeBn.Kernels;

/// <summary>
/// Copies and fills of short contiguous runs (a row of a plane, a border of padding) inline, with the widest vector the
/// run holds and one last vector that ends exactly at the run's end: the convolution and pooling layouts move many runs
/// of a few dozen floats, where a call into a general memory copy costs more than the copy. Source and destination must
/// not overlap.
/// </summary>
internal static class RunCopy
{
    /// <summary>Copies <paramref name="source"/> into the start of <paramref name="destination"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Copy(ReadOnlySpan<float> source, Span<float> destination)
    {
        if (source.Length > destination.Length)
        {
            ThrowTooShort();
        }

        Copy(ref MemoryMarshal.GetReference(source), ref MemoryMarshal.GetReference(destination), source.Length);
    }

    /// <summary>Sets every value of <paramref name="destination"/> to <paramref name="value"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Fill(Span<float> destination, float value) =>
        Fill(ref MemoryMarshal.GetReference(destination), destination.Length, value);

    private static void Copy(ref float source, ref float destination, nint length)
    {
        if (Vector512.IsHardwareAccelerated && length >= Vector512<float>.Count)
        {
            nint last = length - Vector512<float>.Count;
            for (nint i = 0; i < last; i += Vector512<float>.Count)
            {
                Vector512.LoadUnsafe(ref source, (nuint)i).StoreUnsafe(ref destination, (nuint)i);
            }

            Vector512.LoadUnsafe(ref source, (nuint)last).StoreUnsafe(ref destination, (nuint)last);
        }
        else if (Vector256.IsHardwareAccelerated && length >= Vector256<float>.Count)
        {
            nint last = length - Vector256<float>.Count;
            for (nint i = 0; i < last; i += Vector256<float>.Count)
            {
                Vector256.LoadUnsafe(ref source, (nuint)i).StoreUnsafe(ref destination, (nuint)i);
            }

            Vector256.LoadUnsafe(ref source, (nuint)last).StoreUnsafe(ref destination, (nuint)last);
        }
        else if (Vector128.IsHardwareAccelerated && length >= Vector128<float>.Count)
        {
            nint last = length - Vector128<float>.Count;
            for (nint i = 0; i < last; i += Vector128<float>.Count)
            {
                Vector128.LoadUnsafe(ref source, (nuint)i).StoreUnsafe(ref destination, (nuint)i);
            }

            Vector128.LoadUnsafe(ref source, (nuint)last).StoreUnsafe(ref destination, (nuint)last);
        }
        else
        {
            for (nint i = 0; i < length; i++)
            {
                Unsafe.Add(ref destination, i) = Unsafe.Add(ref source, i);
            }
        }
    }

    private static void Fill(ref float destination, nint length, float value)
    {
        if (Vector512.IsHardwareAccelerated && length >= Vector512<float>.Count)
        {
            var vector = Vector512.Create(value);
            nint last = length - Vector512<float>.Count;
            for (nint i = 0; i < last; i += Vector512<float>.Count)
            {
                vector.StoreUnsafe(ref destination, (nuint)i);
            }

            vector.StoreUnsafe(ref destination, (nuint)last);
        }
        else if (Vector256.IsHardwareAccelerated && length >= Vector256<float>.Count)
        {
            var vector = Vector256.Create(value);
            nint last = length - Vector256<float>.Count;
            for (nint i = 0; i < last; i += Vector256<float>.Count)
            {
                vector.StoreUnsafe(ref destination, (nuint)i);
            }

            vector.StoreUnsafe(ref destination, (nuint)last);
        }
        else
        {
            for (nint i = 0; i < length; i++)
            {
                Unsafe.Add(ref destination, i) = value;
            }
        }
    }

    private static void ThrowTooShort() =>
        throw new ArgumentException("The destination run is shorter than the source run.", "destination");
}
