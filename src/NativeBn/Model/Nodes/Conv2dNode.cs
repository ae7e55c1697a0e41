using System.Collections.Immutable;

namespace NativeBn.Model.Nodes;

/// <summary>
/// 2-D convolution (cross-correlation, as PyTorch's <c>nn.Conv2d</c> and ONNX's <c>Conv</c>) on <c>[N, C, H, W]</c>:
/// <c>y[n, m, i, j] = b[m] + Σ_{c, r, s} W[m, c, r, s]·x[n, g·C/G + c, i·stride - padTop + r·dilation, j·stride - padLeft + s·dilation]</c>
/// with zero padding, where g is the group of output channel m (G groups; G = C = M is a depthwise convolution).
/// W is <c>[M, C/G, kH, kW]</c> row-major; every weight is finite.
/// </summary>
public sealed class Conv2dNode : ModelNode
{
    /// <summary>A convolution node; the weights are copied. <paramref name="bias"/> empty means no bias (zeros).</summary>
    public Conv2dNode(
        string name, string input, int inputChannels, int outputChannels, Window2d window, int groups,
        ReadOnlySpan<float> weight, ReadOnlySpan<float> bias)
        : base(name, [input], 1)
    {
        ArgumentNullException.ThrowIfNull(window);
        if (inputChannels < 1 || outputChannels < 1 || groups < 1 || inputChannels % groups != 0 || outputChannels % groups != 0)
        {
            throw Invalid($"has {inputChannels} input and {outputChannels} output channels in {groups} groups; both must be positive multiples of the groups.");
        }

        long count = (long)outputChannels * (inputChannels / groups);
        count = count > Array.MaxLength ? long.MaxValue : count * window.KernelHeight;
        count = count > Array.MaxLength ? long.MaxValue : count * window.KernelWidth;
        if (weight.Length != count)
        {
            string expected = count > Array.MaxLength ? "more than an array holds" : count.ToString(System.Globalization.CultureInfo.InvariantCulture);
            throw Invalid($"weight has {weight.Length} values; expected [M = {outputChannels}, C/G = {inputChannels / groups}, {window.KernelHeight}, {window.KernelWidth}] = {expected}.");
        }

        if (bias.Length != 0 && bias.Length != outputChannels)
        {
            throw Invalid($"bias has {bias.Length} values; expected none or one per output channel ({outputChannels}).");
        }

        Check.Finite(weight, $"weight of node '{name}'");
        Check.Finite(bias, $"bias of node '{name}'");
        InputChannels = inputChannels;
        OutputChannels = outputChannels;
        Window = window;
        Groups = groups;
        Weight = [.. weight];
        HasBias = bias.Length != 0;
        Bias = HasBias ? [.. bias] : [.. new float[outputChannels]];
    }

    /// <inheritdoc />
    public override string Kind => "Conv2d";

    /// <summary>Channels of the input (C).</summary>
    public int InputChannels { get; }

    /// <summary>Channels of the output (M).</summary>
    public int OutputChannels { get; }

    /// <summary>Kernel, strides, padding and dilations.</summary>
    public Window2d Window { get; }

    /// <summary>Groups G: each output channel sees C/G input channels.</summary>
    public int Groups { get; }

    /// <summary>W, <c>[M, C/G, kH, kW]</c> row-major.</summary>
    public ImmutableArray<float> Weight { get; }

    /// <summary>True when the layer has a bias (else <see cref="Bias"/> holds zeros).</summary>
    public bool HasBias { get; }

    /// <summary>b, one per output channel.</summary>
    public ImmutableArray<float> Bias { get; }

    /// <inheritdoc />
    public override ShapeInfo InferShape(IReadOnlyList<ShapeInfo> inputs)
    {
        ShapeInfo input = inputs[0];
        if (input.Rank != 4 || !input.IsBatched || input[1] != InputChannels)
        {
            throw Invalid($"takes [N, {InputChannels}, H, W], got {input}.");
        }

        int height = Window.OutputHeight(input[2]), width = Window.OutputWidth(input[3]);
        if (height < 1 || width < 1)
        {
            throw Invalid($"a {Window} window does not fit an input of {input[2]}x{input[3]}.");
        }

        return new ShapeInfo([input.Dimensions[0], Dimension.Of(OutputChannels), Dimension.Of(height), Dimension.Of(width)]);
    }

    /// <inheritdoc />
    public override ModelNode WithInputs(IEnumerable<string> inputs) =>
        new Conv2dNode(Name, inputs.Single(), InputChannels, OutputChannels, Window, Groups, Weight.AsSpan(), HasBias ? Bias.AsSpan() : []);

    /// <summary>This node with other weights and bias (the same shape), e.g. with a BatchNorm folded in.</summary>
    public Conv2dNode WithWeights(string name, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias) =>
        new(name, Inputs[0], InputChannels, OutputChannels, Window, Groups, weight, bias);
}
