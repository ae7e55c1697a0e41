using System.Runtime.CompilerServices;

namespace NativeBn.Kernels;

/// <summary>The scalar width: one float per "vector", widened into one double (no upper half).</summary>
internal readonly struct SimdScalar : ISimd<float, double>
{
    public static int Count => 1;

    public static bool HasUpperHalf => false;

    public static float Zero => 0f;

    public static double ZeroDouble => 0d;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Load(ref float source, nint offset) => Unsafe.Add(ref source, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(float value, ref float destination, nint offset) => Unsafe.Add(ref destination, offset) = value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreStreaming(float value, ref float destination, nint offset) => Unsafe.Add(ref destination, offset) = value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Broadcast(float value) => value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Add(float left, float right) => left + right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Subtract(float left, float right) => left - right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Multiply(float left, float right) => left * right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MultiplyAdd(float a, float b, float c) => float.MultiplyAddEstimate(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(float value) => value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Max(float left, float right) => MathF.Max(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Min(float left, float right) => MathF.Min(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Clamp(float value, float low, float high) => value < low ? low : value > high ? high : value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float WherePositive(float condition, float value) => condition > 0 ? value : 0f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void LoadWidened(ref float source, nint offset, out double lower, out double upper)
    {
        lower = Unsafe.Add(ref source, offset);
        upper = 0d;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double BroadcastDouble(double value) => value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void LoadDoubles(ref double source, nint offset, out double lower, out double upper)
    {
        lower = Unsafe.Add(ref source, offset);
        upper = 0d;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreDoubles(double lower, double upper, ref double destination, nint offset) =>
        Unsafe.Add(ref destination, offset) = lower;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Narrow(double lower, double upper) => (float)lower;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Add(double left, double right) => left + right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double AddOnMultiplier(double sum, double value) => sum + value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Multiply(double left, double right) => left * right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Divide(double left, double right) => left / right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Sqrt(double value) => Math.Sqrt(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Subtract(double left, double right) => left - right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double MultiplyAdd(double a, double b, double c) => double.MultiplyAddEstimate(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ZeroLeadingLanes(ref double lower, ref double upper, int skipped)
    {
        if (skipped > 0)
        {
            lower = 0d;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Sum(double value) => value;
}
