using System.Runtime.CompilerServices;

namespace NativeBn.Kernels;

/// <summary>The pieces the direct 3x3 depthwise kernels share: a channel's nine weights broadcast, and one output computed alone.</summary>
internal static class Window3x3
{
    /// <summary>The nine weights at <paramref name="k"/> (row-major 3x3), each broadcast to a vector.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Broadcast<TS, TF, TD>(
        ref float k, out TF w0, out TF w1, out TF w2, out TF w3, out TF w4, out TF w5, out TF w6, out TF w7, out TF w8)
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct
    {
        (w0, w1, w2) = (TS.Broadcast(k), TS.Broadcast(Unsafe.Add(ref k, 1)), TS.Broadcast(Unsafe.Add(ref k, 2)));
        (w3, w4, w5) = (TS.Broadcast(Unsafe.Add(ref k, 3)), TS.Broadcast(Unsafe.Add(ref k, 4)), TS.Broadcast(Unsafe.Add(ref k, 5)));
        (w6, w7, w8) = (TS.Broadcast(Unsafe.Add(ref k, 6)), TS.Broadcast(Unsafe.Add(ref k, 7)), TS.Broadcast(Unsafe.Add(ref k, 8)));
    }

    /// <summary>
    /// The output whose window is centred on input (<paramref name="row"/>, <paramref name="column"/>) of a
    /// <paramref name="height"/> x <paramref name="width"/> plane: the bias plus the taps that fall inside the plane, in
    /// kernel order (zero padding outside), then the activation. Inlined: a call inside a kernel's loop makes the JIT keep
    /// the kernel's vectors on the stack (every vector register is the callee's), and the stride-2 kernel reloaded its nine
    /// weight vectors and clamp bounds for every vector of outputs (MobileNetV2's 56x56 and 112x112 stride-2 layers
    /// 1.3-1.4x faster inlined).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float At(ref float x, int height, int width, int row, int column, ReadOnlySpan<float> w, float bias, Activation activation)
    {
        float sum = bias;
        for (int r = 0; r < 3; r++)
        {
            int i = row + r - 1;
            for (int s = 0; s < 3; s++)
            {
                int j = column + s - 1;
                if ((uint)i < (uint)height && (uint)j < (uint)width)
                {
                    sum = float.MultiplyAddEstimate(w[r * 3 + s], Unsafe.Add(ref x, (nint)i * width + j), sum);
                }
            }
        }

        return activation.IsSet ? Math.Min(Math.Max(sum, activation.Low), activation.High) : sum;
    }
}
