using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NativeBn.Kernels.Operators;

/// <summary>Max pooling on a block of 8 channels: the largest input under the window (NaN if any is NaN), from -∞.</summary>
internal readonly struct BlockMax : IBlockOperator
{
    public Vector256<float> Start => Vector256.Create(float.NegativeInfinity);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Tap(int tap) => default;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Step(Vector256<float> sum, Vector256<float> input, Vector256<float> tap) => Vector256.Max(sum, input);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Finish(Vector256<float> sum) => sum;
}
