namespace NativeBn.Network;

/// <summary>
/// A trainable tensor as optimizers see it: values to update in place and the gradient of the last backward pass.
/// </summary>
public abstract class Parameter
{
    /// <summary>Name for reports and files, e.g. <c>0.weight</c>.</summary>
    public abstract string Name { get; }

    /// <summary>Number of values.</summary>
    public abstract int Length { get; }

    /// <summary>The values, for writing in place.</summary>
    public abstract Span<float> Values();

    /// <summary>Gradient from the last backward pass.</summary>
    public abstract ReadOnlySpan<float> Gradient { get; }

    /// <summary>False for parameters frozen this step (e.g. BatchNorm gamma/beta not trained); optimizers skip them.</summary>
    public virtual bool IsTrainable => true;
}
