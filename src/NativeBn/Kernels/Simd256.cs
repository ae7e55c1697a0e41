using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NativeBn.Kernels;

/// <summary>The 256-bit width: 8 floats, 4 doubles per half.</summary>
internal readonly struct Simd256 : ISimd<Vector256<float>, Vector256<double>>
{
    public static int Count => Vector256<float>.Count;

    public static bool HasUpperHalf => true;

    /// <summary>True when the JIT compiles this width to hardware instructions.</summary>
    public static bool IsAccelerated => Vector256.IsHardwareAccelerated;

    public static Vector256<float> Zero => Vector256<float>.Zero;

    public static Vector256<double> ZeroDouble => Vector256<double>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load(ref float source, nint offset) => Vector256.LoadUnsafe(ref source, (nuint)offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector256<float> value, ref float destination, nint offset) =>
        value.StoreUnsafe(ref destination, (nuint)offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void StoreStreaming(Vector256<float> value, ref float destination, nint offset)
    {
        if (Avx.IsSupported)
        {
            Avx.StoreAlignedNonTemporal((float*)Unsafe.AsPointer(ref Unsafe.Add(ref destination, offset)), value);
        }
        else
        {
            Store(value, ref destination, offset);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Broadcast(float value) => Vector256.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Add(Vector256<float> left, Vector256<float> right) => left + right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Subtract(Vector256<float> left, Vector256<float> right) => left - right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Multiply(Vector256<float> left, Vector256<float> right) => left * right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> MultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) =>
        Vector256.MultiplyAddEstimate(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vector256<float> value) => Vector256.Sum(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Max(Vector256<float> left, Vector256<float> right) => Vector256.Max(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Min(Vector256<float> left, Vector256<float> right) => Vector256.Min(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Clamp(Vector256<float> value, Vector256<float> low, Vector256<float> high) => Vector256.MinNative(high, Vector256.MaxNative(low, value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> WherePositive(Vector256<float> condition, Vector256<float> value) =>
        Vector256.ConditionalSelect(Vector256.GreaterThan(condition, Vector256<float>.Zero), value, Vector256<float>.Zero);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void LoadWidened(ref float source, nint offset, out Vector256<double> lower, out Vector256<double> upper)
    {
        if (Avx.IsSupported)
        {
            lower = Avx.ConvertToVector256Double(Vector128.LoadUnsafe(ref source, (nuint)offset));
            upper = Avx.ConvertToVector256Double(Vector128.LoadUnsafe(ref source, (nuint)(offset + Vector256<double>.Count)));
            return;
        }

        Vector256<float> value = Vector256.LoadUnsafe(ref source, (nuint)offset);
        lower = Vector256.WidenLower(value);
        upper = Vector256.WidenUpper(value);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> BroadcastDouble(double value) => Vector256.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void LoadDoubles(ref double source, nint offset, out Vector256<double> lower, out Vector256<double> upper)
    {
        lower = Vector256.LoadUnsafe(ref source, (nuint)offset);
        upper = Vector256.LoadUnsafe(ref source, (nuint)(offset + Vector256<double>.Count));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreDoubles(Vector256<double> lower, Vector256<double> upper, ref double destination, nint offset)
    {
        lower.StoreUnsafe(ref destination, (nuint)offset);
        upper.StoreUnsafe(ref destination, (nuint)(offset + Vector256<double>.Count));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Narrow(Vector256<double> lower, Vector256<double> upper) => Vector256.Narrow(lower, upper);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Add(Vector256<double> left, Vector256<double> right) => left + right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> AddOnMultiplier(Vector256<double> sum, Vector256<double> value) =>
        Fma.IsSupported ? Fma.MultiplyAdd(value, Vector256.Create(1d), sum) : sum + value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Multiply(Vector256<double> left, Vector256<double> right) => left * right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Divide(Vector256<double> left, Vector256<double> right) => left / right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Sqrt(Vector256<double> value) => Vector256.Sqrt(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Subtract(Vector256<double> left, Vector256<double> right) => left - right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> MultiplyAdd(Vector256<double> a, Vector256<double> b, Vector256<double> c) =>
        Vector256.MultiplyAddEstimate(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ZeroLeadingLanes(ref Vector256<double> lower, ref Vector256<double> upper, int skipped)
    {
        Vector256<long> lanes = Vector256<long>.Indices;
        lower = Vector256.ConditionalSelect(
            Vector256.GreaterThanOrEqual(lanes, Vector256.Create((long)skipped)).AsDouble(), lower, Vector256<double>.Zero);
        upper = Vector256.ConditionalSelect(
            Vector256.GreaterThanOrEqual(lanes, Vector256.Create((long)(skipped - Vector256<double>.Count))).AsDouble(),
            upper,
            Vector256<double>.Zero);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Sum(Vector256<double> value) => Vector256.Sum(value);
}
