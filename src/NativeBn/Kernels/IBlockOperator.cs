using System.Runtime.Intrinsics;

namespace NativeBn.Kernels;

/// <summary>
/// What a window operation does on <see cref="ChannelBlocks"/>: each output of 8 channels starts from
/// <see cref="Start"/>, takes each tap's input vector with <see cref="Step"/> in kernel order, and ends with
/// <see cref="Finish"/>.
/// </summary>
internal interface IBlockOperator
{
    /// <summary>The value an output starts from.</summary>
    Vector256<float> Start { get; }

    /// <summary>What the operation needs of tap <paramref name="tap"/>, the same for every output of the block.</summary>
    Vector256<float> Tap(int tap);

    /// <summary>The output so far with the input <paramref name="input"/> at a tap whose <see cref="Tap"/> is <paramref name="tap"/>.</summary>
    Vector256<float> Step(Vector256<float> sum, Vector256<float> input, Vector256<float> tap);

    /// <summary>The output from its value after the last tap.</summary>
    Vector256<float> Finish(Vector256<float> sum);
}
