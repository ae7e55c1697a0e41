using NativeBn.Kernels;
using NativeBn.Model;
using NativeBn.Model.Nodes;

namespace NativeBn.Network;

/// <summary>
/// 2-D convolution on <c>[N, C, H, W]</c> (PyTorch <c>nn.Conv2d</c> semantics and weight layout <c>[M, C/G, kH, kW]</c>,
/// see <see cref="Conv2dNode"/>). The forward pass runs the inference kernel with the current weights (re-laid out
/// after each update); the backward pass accumulates the weight and bias gradients over the batch and writes the
/// input gradient.
/// </summary>
public sealed class Conv2dLayer : Layer
{
    private readonly Conv2dNode _node;
    private readonly int _height, _width;
    private readonly ArrayParameter _weight;
    private readonly ArrayParameter? _bias;
    private readonly PackedConvolution _convolution;
    private readonly PhaseLayout _layout;
    private readonly float[] _scratch;
    private long _packedVersion;

    internal Conv2dLayer(Conv2dNode node, int height, int width)
        : base(node.Name, checked(node.InputChannels * height * width), checked(node.OutputChannels * node.Window.OutputHeight(height) * node.Window.OutputWidth(width)))
    {
        _node = node;
        (_height, _width) = (height, width);
        _weight = new ArrayParameter($"{node.Name}.weight", node.Weight.ToArray(), new float[node.Weight.Length]);
        _bias = node.HasBias ? new ArrayParameter($"{node.Name}.bias", node.Bias.ToArray(), new float[node.OutputChannels]) : null;
        _convolution = new PackedConvolution(node, height, width);
        _layout = new PhaseLayout(node.Window, node.InputChannels / node.Groups, height, width, PackedGemm.Panel);
        _scratch = new float[checked((int)Math.Max(_convolution.ScratchLength, ConvolutionGradients.ScratchLength(_layout, node.OutputChannels / node.Groups)))];
        _packedVersion = Version;
    }

    /// <inheritdoc />
    public override LayerKind Kind => LayerKind.Conv2d;

    /// <summary>Weights <c>[M, C/G, kH, kW]</c>.</summary>
    public ReadOnlySpan<float> Weight => _weight.Array;

    /// <summary>Bias, one per output channel (zeros when the layer has none).</summary>
    public ReadOnlySpan<float> Bias => _bias is null ? _node.Bias.AsSpan() : _bias.Array;

    /// <inheritdoc />
    public override IReadOnlyList<Parameter> Parameters => _bias is null ? [_weight] : [_weight, _bias];

    internal override long Version => _weight.Version + (_bias?.Version ?? 0);

    internal override ModelNode ToNode(string input) => new Conv2dNode(
        Name, input, _node.InputChannels, _node.OutputChannels, _node.Window, _node.Groups, _weight.Array, _bias is null ? [] : _bias.Array);

    internal override void Forward(ReadOnlySpan<float> input, Span<float> output, int batch, Pass pass)
    {
        if (_packedVersion != Version)
        {
            _convolution.Load(_weight.Array, Bias);
            _packedVersion = Version;
        }

        for (int n = 0; n < batch; n++)
        {
            _convolution.Run(input.Slice(n * InputWidth, InputWidth), output.Slice(n * OutputWidth, OutputWidth), _scratch, Activation.None);
        }
    }

    internal override void Backward(
        ReadOnlySpan<float> input, ReadOnlySpan<float> output, ReadOnlySpan<float> outputGradient, Span<float> inputGradient, int batch)
    {
        int groups = _node.Groups, groupInputs = InputWidth / groups, groupOutputs = OutputWidth / groups;
        int depth = _weight.Array.Length / _node.OutputChannels, groupWeights = _node.OutputChannels / groups * depth;
        Span<float> weightGradient = _weight.GradientArray;
        weightGradient.Clear();
        for (int n = 0; n < batch; n++)
        {
            for (int g = 0; g < groups; g++)
            {
                ConvolutionGradients.Accumulate(
                    _layout,
                    input.Slice(n * InputWidth + g * groupInputs, groupInputs),
                    outputGradient.Slice(n * OutputWidth + g * groupOutputs, groupOutputs),
                    _weight.Array.AsSpan(g * groupWeights, groupWeights),
                    weightGradient.Slice(g * groupWeights, groupWeights),
                    inputGradient.IsEmpty ? [] : inputGradient.Slice(n * InputWidth + g * groupInputs, groupInputs),
                    _scratch);
            }
        }

        if (_bias is not null)
        {
            int positions = OutputWidth / _node.OutputChannels;
            float[] biasGradient = _bias.GradientArray;
            for (int m = 0; m < biasGradient.Length; m++)
            {
                double sum = 0;
                for (int n = 0; n < batch; n++)
                {
                    foreach (float value in outputGradient.Slice(n * OutputWidth + m * positions, positions))
                    {
                        sum += value;
                    }
                }

                biasGradient[m] = (float)sum;
            }
        }
    }
}
