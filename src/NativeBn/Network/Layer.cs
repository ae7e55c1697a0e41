using NativeBn.Model;

namespace NativeBn.Network;

/// <summary>
/// One layer of a <see cref="Sequential"/> model on feature batches <c>[N, width]</c>. Layers write into buffers the
/// model planned for its maximum batch size and allocate nothing per step.
/// </summary>
public abstract class Layer
{
    private protected Layer(string name, int inputWidth, int outputWidth)
    {
        Name = name;
        InputWidth = inputWidth;
        OutputWidth = outputWidth;
    }

    /// <summary>The name of the model node this layer runs (and of the tensor it writes).</summary>
    public string Name { get; }

    /// <summary>Features per sample in.</summary>
    public int InputWidth { get; }

    /// <summary>Features per sample out.</summary>
    public int OutputWidth { get; }

    /// <summary>The layer's type.</summary>
    public abstract LayerKind Kind { get; }

    /// <summary>Changes whenever the layer's parameters or statistics change.</summary>
    internal virtual long Version => 0;

    /// <summary>Trainable parameters, in a fixed order.</summary>
    public virtual IReadOnlyList<Parameter> Parameters => [];

    /// <summary>The model node for this layer's current state, reading <paramref name="input"/>.</summary>
    internal abstract ModelNode ToNode(string input);

    internal abstract void Forward(ReadOnlySpan<float> input, Span<float> output, int batch, Pass pass);

    /// <summary>
    /// Backward pass of the last training forward pass; <paramref name="inputGradient"/> is empty when the layer is
    /// first and no input gradient is needed.
    /// </summary>
    internal abstract void Backward(
        ReadOnlySpan<float> input, ReadOnlySpan<float> output, ReadOnlySpan<float> outputGradient, Span<float> inputGradient, int batch);
}
