using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NativeBn.Kernels;

/// <summary>Element-wise sums, clamps (ReLU, ReLU6, Clip) and the ReLU and clamp gradients at the widest accelerated width, lane by lane.</summary>
internal static class ElementwiseKernels
{
    /// <summary><c>y = a + b</c>.</summary>
    public static void Add(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y) =>
        AddClamp(a, b, y, float.NegativeInfinity, float.PositiveInfinity);

    /// <summary>
    /// <c>y = min(max(a + b, low), high)</c>: a residual addition with the activation after it fused. Whole vectors of the
    /// widest accelerated width first, then at most one vector of each narrower width and single floats for what is left
    /// (short runs such as a convolution's output rows keep their tails on vectors); the same value for every element
    /// at every width. <paramref name="y"/> may be <paramref name="a"/> or <paramref name="b"/>.
    /// </summary>
    public static void AddClamp(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y, float low, float high)
    {
        int done = 0;
        if (SimdWidth.MaxFloats >= 16)
        {
            done = AddClampVectors<Simd512, Vector512<float>, Vector512<double>>(a, b, y, low, high, done);
        }

        if (SimdWidth.MaxFloats >= 8)
        {
            done = AddClampVectors<Simd256, Vector256<float>, Vector256<double>>(a, b, y, low, high, done);
        }

        if (SimdWidth.MaxFloats >= 4)
        {
            done = AddClampVectors<Simd128, Vector128<float>, Vector128<double>>(a, b, y, low, high, done);
        }

        AddClampVectors<SimdScalar, float, double>(a, b, y, low, high, done);
    }

    /// <summary><c>y = min(max(x, low), high)</c>.</summary>
    public static void Clamp(ReadOnlySpan<float> x, Span<float> y, float low, float high)
    {
        switch (SimdWidth.MaxFloats)
        {
            case 16: Clamp<Simd512, Vector512<float>, Vector512<double>>(x, y, low, high); break;
            case 8: Clamp<Simd256, Vector256<float>, Vector256<double>>(x, y, low, high); break;
            case 4: Clamp<Simd128, Vector128<float>, Vector128<double>>(x, y, low, high); break;
            default: Clamp<SimdScalar, float, double>(x, y, low, high); break;
        }
    }

    /// <summary><c>dx = y &gt; 0 ? dy : 0</c>: the gradient of a ReLU whose output is <paramref name="y"/>.</summary>
    public static void ReluGradient(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        switch (SimdWidth.MaxFloats)
        {
            case 16: ReluGradient<Simd512, Vector512<float>, Vector512<double>>(y, dy, dx); break;
            case 8: ReluGradient<Simd256, Vector256<float>, Vector256<double>>(y, dy, dx); break;
            case 4: ReluGradient<Simd128, Vector128<float>, Vector128<double>>(y, dy, dx); break;
            default: ReluGradient<SimdScalar, float, double>(y, dy, dx); break;
        }
    }

    /// <summary>The whole vectors of <c>TS</c> from <paramref name="first"/> on; returns where they end.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int AddClampVectors<TS, TF, TD>(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y, float low, float high, int first)
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct
    {
        ref float ra = ref MemoryMarshal.GetReference(a);
        ref float rb = ref MemoryMarshal.GetReference(b);
        ref float ry = ref MemoryMarshal.GetReference(y);
        TF lower = TS.Broadcast(low), upper = TS.Broadcast(high);
        int i = first;
        for (; i + TS.Count <= y.Length; i += TS.Count)
        {
            TS.Store(TS.Min(TS.Max(TS.Add(TS.Load(ref ra, i), TS.Load(ref rb, i)), lower), upper), ref ry, i);
        }

        return i;
    }

    /// <summary>
    /// <c>dx = low &lt; x &lt; high ? dy : 0</c>: the gradient of a clamp (Clip, ReLU6) given its input <paramref name="x"/>
    /// (NaN passes nothing). Each bound is tested as the sign of a difference, exact in IEEE arithmetic with subnormals:
    /// <c>x - low &gt; 0</c> exactly where <c>x &gt; low</c>, infinite bounds included.
    /// </summary>
    public static void ClampGradient(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, float low, float high)
    {
        switch (SimdWidth.MaxFloats)
        {
            case 16: ClampGradient<Simd512, Vector512<float>, Vector512<double>>(x, dy, dx, low, high); break;
            case 8: ClampGradient<Simd256, Vector256<float>, Vector256<double>>(x, dy, dx, low, high); break;
            case 4: ClampGradient<Simd128, Vector128<float>, Vector128<double>>(x, dy, dx, low, high); break;
            default: ClampGradient<SimdScalar, float, double>(x, dy, dx, low, high); break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ClampGradient<TS, TF, TD>(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, float low, float high)
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct
    {
        ref float rx = ref MemoryMarshal.GetReference(x);
        ref float rdy = ref MemoryMarshal.GetReference(dy);
        ref float rdx = ref MemoryMarshal.GetReference(dx);
        TF lower = TS.Broadcast(low), upper = TS.Broadcast(high);
        int i = 0;
        for (; i + TS.Count <= dx.Length; i += TS.Count)
        {
            TF value = TS.Load(ref rx, i);
            TS.Store(TS.WherePositive(TS.Subtract(value, lower), TS.WherePositive(TS.Subtract(upper, value), TS.Load(ref rdy, i))), ref rdx, i);
        }

        for (; i < dx.Length; i++)
        {
            float value = Unsafe.Add(ref rx, i);
            Unsafe.Add(ref rdx, i) = SimdScalar.WherePositive(value - low, SimdScalar.WherePositive(high - value, Unsafe.Add(ref rdy, i)));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Clamp<TS, TF, TD>(ReadOnlySpan<float> x, Span<float> y, float low, float high)
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct
    {
        ref float rx = ref MemoryMarshal.GetReference(x);
        ref float ry = ref MemoryMarshal.GetReference(y);
        TF lower = TS.Broadcast(low), upper = TS.Broadcast(high);
        int i = 0;
        for (; i + TS.Count <= y.Length; i += TS.Count)
        {
            TS.Store(TS.Min(TS.Max(TS.Load(ref rx, i), lower), upper), ref ry, i);
        }

        for (; i < y.Length; i++)
        {
            Unsafe.Add(ref ry, i) = MathF.Min(MathF.Max(Unsafe.Add(ref rx, i), low), high);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ReluGradient<TS, TF, TD>(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct
    {
        ref float ry = ref MemoryMarshal.GetReference(y);
        ref float rdy = ref MemoryMarshal.GetReference(dy);
        ref float rdx = ref MemoryMarshal.GetReference(dx);
        int i = 0;
        for (; i + TS.Count <= dx.Length; i += TS.Count)
        {
            TS.Store(TS.WherePositive(TS.Load(ref ry, i), TS.Load(ref rdy, i)), ref rdx, i);
        }

        for (; i < dx.Length; i++)
        {
            Unsafe.Add(ref rdx, i) = SimdScalar.WherePositive(Unsafe.Add(ref ry, i), Unsafe.Add(ref rdy, i));
        }
    }
}
