using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NativeBn.Kernels;

/// <summary>The 512-bit width: 16 floats, 8 doubles per half.</summary>
internal readonly struct Simd512 : ISimd<Vector512<float>, Vector512<double>>
{
    public static int Count => Vector512<float>.Count;

    public static bool HasUpperHalf => true;

    /// <summary>True when the JIT compiles this width to hardware instructions.</summary>
    public static bool IsAccelerated => Vector512.IsHardwareAccelerated;

    public static Vector512<float> Zero => Vector512<float>.Zero;

    public static Vector512<double> ZeroDouble => Vector512<double>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load(ref float source, nint offset) => Vector512.LoadUnsafe(ref source, (nuint)offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector512<float> value, ref float destination, nint offset) =>
        value.StoreUnsafe(ref destination, (nuint)offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void StoreStreaming(Vector512<float> value, ref float destination, nint offset)
    {
        if (Avx512F.IsSupported)
        {
            Avx512F.StoreAlignedNonTemporal((float*)Unsafe.AsPointer(ref Unsafe.Add(ref destination, offset)), value);
        }
        else
        {
            Store(value, ref destination, offset);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Broadcast(float value) => Vector512.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Add(Vector512<float> left, Vector512<float> right) => left + right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Subtract(Vector512<float> left, Vector512<float> right) => left - right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Multiply(Vector512<float> left, Vector512<float> right) => left * right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> MultiplyAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c) =>
        Vector512.MultiplyAddEstimate(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vector512<float> value) => Vector512.Sum(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Max(Vector512<float> left, Vector512<float> right) => Vector512.Max(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Min(Vector512<float> left, Vector512<float> right) => Vector512.Min(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Clamp(Vector512<float> value, Vector512<float> low, Vector512<float> high) => Vector512.MinNative(high, Vector512.MaxNative(low, value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> WherePositive(Vector512<float> condition, Vector512<float> value) =>
        Vector512.ConditionalSelect(Vector512.GreaterThan(condition, Vector512<float>.Zero), value, Vector512<float>.Zero);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void LoadWidened(ref float source, nint offset, out Vector512<double> lower, out Vector512<double> upper)
    {
        if (Avx512F.IsSupported)
        {
            lower = Avx512F.ConvertToVector512Double(Vector256.LoadUnsafe(ref source, (nuint)offset));
            upper = Avx512F.ConvertToVector512Double(Vector256.LoadUnsafe(ref source, (nuint)(offset + Vector512<double>.Count)));
            return;
        }

        Vector512<float> value = Vector512.LoadUnsafe(ref source, (nuint)offset);
        lower = Vector512.WidenLower(value);
        upper = Vector512.WidenUpper(value);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> BroadcastDouble(double value) => Vector512.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void LoadDoubles(ref double source, nint offset, out Vector512<double> lower, out Vector512<double> upper)
    {
        lower = Vector512.LoadUnsafe(ref source, (nuint)offset);
        upper = Vector512.LoadUnsafe(ref source, (nuint)(offset + Vector512<double>.Count));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreDoubles(Vector512<double> lower, Vector512<double> upper, ref double destination, nint offset)
    {
        lower.StoreUnsafe(ref destination, (nuint)offset);
        upper.StoreUnsafe(ref destination, (nuint)(offset + Vector512<double>.Count));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Narrow(Vector512<double> lower, Vector512<double> upper) => Vector512.Narrow(lower, upper);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Add(Vector512<double> left, Vector512<double> right) => left + right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> AddOnMultiplier(Vector512<double> sum, Vector512<double> value) =>
        Avx512F.IsSupported ? Avx512F.FusedMultiplyAdd(value, Vector512.Create(1d), sum) : sum + value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Multiply(Vector512<double> left, Vector512<double> right) => left * right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Divide(Vector512<double> left, Vector512<double> right) => left / right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Sqrt(Vector512<double> value) => Vector512.Sqrt(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Subtract(Vector512<double> left, Vector512<double> right) => left - right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> MultiplyAdd(Vector512<double> a, Vector512<double> b, Vector512<double> c) =>
        Vector512.MultiplyAddEstimate(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ZeroLeadingLanes(ref Vector512<double> lower, ref Vector512<double> upper, int skipped)
    {
        Vector512<long> lanes = Vector512<long>.Indices;
        lower = Vector512.ConditionalSelect(
            Vector512.GreaterThanOrEqual(lanes, Vector512.Create((long)skipped)).AsDouble(), lower, Vector512<double>.Zero);
        upper = Vector512.ConditionalSelect(
            Vector512.GreaterThanOrEqual(lanes, Vector512.Create((long)(skipped - Vector512<double>.Count))).AsDouble(),
            upper,
            Vector512<double>.Zero);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Sum(Vector512<double> value) => Vector512.Sum(value);
}
