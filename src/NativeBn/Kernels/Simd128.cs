using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NativeBn.Kernels;

/// <summary>The 128-bit width: 4 floats, 2 doubles per half.</summary>
internal readonly struct Simd128 : ISimd<Vector128<float>, Vector128<double>>
{
    public static int Count => Vector128<float>.Count;

    public static bool HasUpperHalf => true;

    /// <summary>True when the JIT compiles this width to hardware instructions.</summary>
    public static bool IsAccelerated => Vector128.IsHardwareAccelerated;

    public static Vector128<float> Zero => Vector128<float>.Zero;

    public static Vector128<double> ZeroDouble => Vector128<double>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Load(ref float source, nint offset) => Vector128.LoadUnsafe(ref source, (nuint)offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector128<float> value, ref float destination, nint offset) =>
        value.StoreUnsafe(ref destination, (nuint)offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void StoreStreaming(Vector128<float> value, ref float destination, nint offset)
    {
        if (Sse.IsSupported)
        {
            Sse.StoreAlignedNonTemporal((float*)Unsafe.AsPointer(ref Unsafe.Add(ref destination, offset)), value);
        }
        else
        {
            Store(value, ref destination, offset);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Broadcast(float value) => Vector128.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Add(Vector128<float> left, Vector128<float> right) => left + right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Subtract(Vector128<float> left, Vector128<float> right) => left - right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Multiply(Vector128<float> left, Vector128<float> right) => left * right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> MultiplyAdd(Vector128<float> a, Vector128<float> b, Vector128<float> c) =>
        Vector128.MultiplyAddEstimate(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vector128<float> value) => Vector128.Sum(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Max(Vector128<float> left, Vector128<float> right) => Vector128.Max(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Min(Vector128<float> left, Vector128<float> right) => Vector128.Min(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Clamp(Vector128<float> value, Vector128<float> low, Vector128<float> high) => Vector128.MinNative(high, Vector128.MaxNative(low, value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> WherePositive(Vector128<float> condition, Vector128<float> value) =>
        Vector128.ConditionalSelect(Vector128.GreaterThan(condition, Vector128<float>.Zero), value, Vector128<float>.Zero);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void LoadWidened(ref float source, nint offset, out Vector128<double> lower, out Vector128<double> upper)
    {
        Vector128<float> value = Vector128.LoadUnsafe(ref source, (nuint)offset);
        lower = Vector128.WidenLower(value);
        upper = Vector128.WidenUpper(value);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> BroadcastDouble(double value) => Vector128.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void LoadDoubles(ref double source, nint offset, out Vector128<double> lower, out Vector128<double> upper)
    {
        lower = Vector128.LoadUnsafe(ref source, (nuint)offset);
        upper = Vector128.LoadUnsafe(ref source, (nuint)(offset + Vector128<double>.Count));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreDoubles(Vector128<double> lower, Vector128<double> upper, ref double destination, nint offset)
    {
        lower.StoreUnsafe(ref destination, (nuint)offset);
        upper.StoreUnsafe(ref destination, (nuint)(offset + Vector128<double>.Count));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Narrow(Vector128<double> lower, Vector128<double> upper) => Vector128.Narrow(lower, upper);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> Add(Vector128<double> left, Vector128<double> right) => left + right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> AddOnMultiplier(Vector128<double> sum, Vector128<double> value) => sum + value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> Multiply(Vector128<double> left, Vector128<double> right) => left * right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> Divide(Vector128<double> left, Vector128<double> right) => left / right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> Sqrt(Vector128<double> value) => Vector128.Sqrt(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> Subtract(Vector128<double> left, Vector128<double> right) => left - right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> MultiplyAdd(Vector128<double> a, Vector128<double> b, Vector128<double> c) =>
        Vector128.MultiplyAddEstimate(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ZeroLeadingLanes(ref Vector128<double> lower, ref Vector128<double> upper, int skipped)
    {
        Vector128<long> lanes = Vector128<long>.Indices;
        lower = Vector128.ConditionalSelect(
            Vector128.GreaterThanOrEqual(lanes, Vector128.Create((long)skipped)).AsDouble(), lower, Vector128<double>.Zero);
        upper = Vector128.ConditionalSelect(
            Vector128.GreaterThanOrEqual(lanes, Vector128.Create((long)(skipped - Vector128<double>.Count))).AsDouble(),
            upper,
            Vector128<double>.Zero);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Sum(Vector128<double> value) => Vector128.Sum(value);
}
