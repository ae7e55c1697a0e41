using NativeBn.Kernels;
using NativeBn.Model;
using NativeBn.Model.Nodes;

namespace NativeBn.Network;

/// <summary>
/// Max or average pooling on <c>[N, C, H, W]</c> (see <see cref="PoolNode"/> for windows, ceil mode and divisors). Up to
/// the model's thread count share the samples of a pass; each sample is computed alone, the same bits on any thread.
/// </summary>
public sealed unsafe class PoolLayer : Layer
{
    private readonly PoolNode _node;
    private readonly int _channels, _height, _width, _maxThreads;
    private readonly Pooling _pooling;

    internal PoolLayer(PoolNode node, int channels, int height, int width, int maxThreads)
        : base(node.Name, checked(channels * height * width), checked(channels * node.Window.OutputHeight(height, node.CeilMode) * node.Window.OutputWidth(width, node.CeilMode)))
    {
        _node = node;
        (_channels, _height, _width, _maxThreads) = (channels, height, width, maxThreads);
        _pooling = new Pooling(node, channels, height, width);
    }

    /// <inheritdoc />
    public override LayerKind Kind => LayerKind.Pool;

    internal override ModelNode ToNode(string input) => _node.WithInputs([input]);

    internal override void Forward(ReadOnlySpan<float> input, Span<float> output, int batch, Pass pass)
    {
        fixed (float* x = input, y = output)
        {
            var job = new Job(x, y, null, null);
            WorkerTeam.Share(this, batch, _maxThreads, &ForwardSample, (nint)(&job));
        }
    }

    internal override void Backward(
        ReadOnlySpan<float> input, ReadOnlySpan<float> output, ReadOnlySpan<float> outputGradient, Span<float> inputGradient, int batch)
    {
        if (inputGradient.IsEmpty)
        {
            return;
        }

        fixed (float* x = input, y = output, dy = outputGradient, dx = inputGradient)
        {
            var job = new Job(x, y, dy, dx);
            WorkerTeam.Share(this, batch, _maxThreads, &BackwardSample, (nint)(&job));
        }
    }

    private static void ForwardSample(object owner, nint state, int n)
    {
        var layer = (PoolLayer)owner;
        ref Job job = ref *(Job*)state;
        layer._pooling.Run(layer.Input(job.X, n), layer.Output(job.Y, n), KernelScratch.Floats(layer._pooling.ScratchLength));
    }

    private static void BackwardSample(object owner, nint state, int n)
    {
        var layer = (PoolLayer)owner;
        ref Job job = ref *(Job*)state;
        PoolNode node = layer._node;
        if (layer._pooling.Counts.Length == 0)
        {
            PoolingGradients.Max(node.Window, layer._channels, layer._height, layer._width, node.CeilMode,
                layer.Input(job.X, n), layer.Output(job.Y, n), layer.Output(job.OutputGradient, n), layer.Input(job.InputGradient, n));
        }
        else
        {
            PoolingGradients.Average(node.Window, layer._channels, layer._height, layer._width, node.CeilMode, layer._pooling.Counts,
                layer.Output(job.OutputGradient, n), layer.Input(job.InputGradient, n));
        }
    }

    private Span<float> Input(float* batch, int n) => new(batch + (nint)n * InputWidth, InputWidth);

    private Span<float> Output(float* batch, int n) => new(batch + (nint)n * OutputWidth, OutputWidth);

    /// <summary>A pass's buffers: input, output, and for the backward pass the output and input gradients.</summary>
    private readonly struct Job(float* x, float* y, float* outputGradient, float* inputGradient)
    {
        public readonly float* X = x;
        public readonly float* Y = y;
        public readonly float* OutputGradient = outputGradient;
        public readonly float* InputGradient = inputGradient;
    }
}
