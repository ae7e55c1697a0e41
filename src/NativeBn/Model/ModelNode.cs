using System.Collections.Immutable;

namespace NativeBn.Model;

/// <summary>
/// One node of a model description: a layer kind with its attributes and weights, the tensors it reads, and the one
/// tensor it writes, named like the node. Immutable; a new layer kind is one subclass that states its kind, validates
/// its attributes and infers its output shape.
/// </summary>
public abstract class ModelNode
{
    private protected ModelNode(string name, IEnumerable<string> inputs, int inputCount)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(inputs);
        Name = name;
        Inputs = [.. inputs];
        if (Inputs.Length != inputCount || Inputs.Any(string.IsNullOrEmpty))
        {
            throw new ArgumentException(
                $"Node '{name}' ({GetType().Name}) takes {inputCount} named input(s), got {Inputs.Length}: [{string.Join(", ", Inputs)}].",
                nameof(inputs));
        }
    }

    /// <summary>The node's name, which is also the name of the tensor it writes; unique in the model.</summary>
    public string Name { get; }

    /// <summary>The tensors the node reads: graph inputs or outputs of earlier nodes.</summary>
    public ImmutableArray<string> Inputs { get; }

    /// <summary>The layer kind, as files and messages name it (<c>Dense</c>, <c>BatchNorm</c>, ...).</summary>
    public abstract string Kind { get; }

    /// <summary>The shape of the node's output for the shapes of its inputs; throws naming the node when they do not fit.</summary>
    public abstract ShapeInfo InferShape(IReadOnlyList<ShapeInfo> inputs);

    /// <summary>A copy of this node reading <paramref name="inputs"/> instead (same kind, attributes and weights).</summary>
    public abstract ModelNode WithInputs(IEnumerable<string> inputs);

    /// <summary>An error about this node: its name and kind, then <paramref name="message"/>.</summary>
    protected ArgumentException Invalid(string message) => new($"Node '{Name}' ({Kind}): {message}");

    /// <inheritdoc />
    public override string ToString() => $"{Name} ({Kind})";
}
