using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NativeBn.Kernels.Operators;

/// <summary>
/// A depthwise convolution on a block of 8 channels: the bias, a fused multiply-add of each tap's 8 weights
/// (<c>[taps, 8]</c>), then the activation.
/// </summary>
internal readonly ref struct BlockTaps(ReadOnlySpan<float> weights, Vector256<float> bias, Activation activation) : IBlockOperator
{
    private readonly ReadOnlySpan<float> _weights = weights;
    private readonly Vector256<float> _low = Vector256.Create(activation.Low), _high = Vector256.Create(activation.High);
    private readonly bool _clamp = activation.IsSet;

    public Vector256<float> Start => bias;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Tap(int tap) => Vector256.LoadUnsafe(ref MemoryMarshal.GetReference(_weights), (nuint)(tap * ChannelBlocks.Lanes));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Step(Vector256<float> sum, Vector256<float> input, Vector256<float> tap) => Fma.MultiplyAdd(input, tap, sum);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Finish(Vector256<float> sum) => _clamp ? Vector256.Min(Vector256.Max(sum, _low), _high) : sum;
}
