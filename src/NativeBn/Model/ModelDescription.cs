using System.Collections.Immutable;
using NativeBn.Model.Nodes;

namespace NativeBn.Model;

/// <summary>
/// An immutable model: graph inputs with shapes, nodes in an order where every node comes after the tensors it reads
/// (a directed acyclic graph; a sequential model is a chain), and the names of the graph outputs. Construction checks
/// names, references and shapes, and infers the shape of every tensor; errors name the node. The native model file,
/// ONNX, safetensors, folding, inference plans, recalibration, diagnosis and training all read or write this one
/// description. A model's output is what its graph computes: class probabilities only where it ends in a
/// <see cref="SoftmaxNode"/>.
/// </summary>
public sealed class ModelDescription
{
    private readonly Dictionary<string, ShapeInfo> _shapes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ModelNode> _producers = new(StringComparer.Ordinal);

    /// <summary>A model; throws <see cref="ArgumentException"/> naming the node or tensor that does not fit.</summary>
    public ModelDescription(IEnumerable<ModelInput> inputs, IEnumerable<ModelNode> nodes, IEnumerable<string> outputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(nodes);
        ArgumentNullException.ThrowIfNull(outputs);
        Inputs = [.. inputs];
        Nodes = [.. nodes];
        Outputs = [.. outputs];
        if (Inputs.IsEmpty || Outputs.IsEmpty)
        {
            throw new ArgumentException($"A model needs at least one input and one output, got {Inputs.Length} and {Outputs.Length}.");
        }

        foreach (ModelInput input in Inputs)
        {
            ArgumentNullException.ThrowIfNull(input);
            if (!_shapes.TryAdd(input.Name, input.Shape))
            {
                throw new ArgumentException($"Two graph inputs are named '{input.Name}'.");
            }
        }

        foreach (ModelNode node in Nodes)
        {
            ArgumentNullException.ThrowIfNull(node);
            var shapes = new ShapeInfo[node.Inputs.Length];
            for (int i = 0; i < shapes.Length; i++)
            {
                if (!_shapes.TryGetValue(node.Inputs[i], out ShapeInfo? shape))
                {
                    throw new ArgumentException(
                        $"Node '{node.Name}' ({node.Kind}) reads '{node.Inputs[i]}', which is neither a graph input nor the output of an earlier node.");
                }

                shapes[i] = shape;
            }

            if (_shapes.ContainsKey(node.Name))
            {
                throw new ArgumentException($"Node '{node.Name}' ({node.Kind}) has the name of an earlier tensor; names must be unique.");
            }

            _shapes.Add(node.Name, node.InferShape(shapes));
            _producers.Add(node.Name, node);
        }

        foreach (string output in Outputs)
        {
            if (!_shapes.ContainsKey(output))
            {
                throw new ArgumentException($"The graph output '{output}' is not a tensor of the model.");
            }
        }
    }

    /// <summary>The graph inputs.</summary>
    public ImmutableArray<ModelInput> Inputs { get; }

    /// <summary>The nodes, each after the tensors it reads.</summary>
    public ImmutableArray<ModelNode> Nodes { get; }

    /// <summary>The names of the graph outputs.</summary>
    public ImmutableArray<string> Outputs { get; }

    /// <summary>The single graph input (most models have one).</summary>
    /// <exception cref="InvalidOperationException">The model has several inputs.</exception>
    public ModelInput Input => Inputs.Length == 1
        ? Inputs[0]
        : throw new InvalidOperationException($"The model has {Inputs.Length} inputs; name the one you mean.");

    /// <summary>The single graph output's name.</summary>
    /// <exception cref="InvalidOperationException">The model has several outputs.</exception>
    public string Output => Outputs.Length == 1
        ? Outputs[0]
        : throw new InvalidOperationException($"The model has {Outputs.Length} outputs; name the one you mean.");

    /// <summary>The shape of a tensor (a graph input or a node's output).</summary>
    public ShapeInfo ShapeOf(string tensor) => _shapes.TryGetValue(tensor, out ShapeInfo? shape)
        ? shape
        : throw new ArgumentException($"The model has no tensor named '{tensor}'.", nameof(tensor));

    /// <summary>The node that writes <paramref name="tensor"/>, or null for a graph input.</summary>
    public ModelNode? Producer(string tensor) => _producers.GetValueOrDefault(tensor);

    /// <summary>True when the graph output is computed by a softmax: the model gives class probabilities.</summary>
    public bool EndsInSoftmax => Outputs.Length == 1 && Producer(Outputs[0]) is SoftmaxNode;

    /// <summary>The BatchNorm nodes in graph order.</summary>
    public IEnumerable<BatchNormNode> BatchNorms => Nodes.OfType<BatchNormNode>();

    /// <summary>
    /// True when the model is one chain: one input, every node reading only the output of the node before it (the
    /// first reading the input), and the last node's output the only graph output.
    /// </summary>
    public bool IsChain
    {
        get
        {
            if (Inputs.Length != 1 || Outputs.Length != 1 || Nodes.IsEmpty || Outputs[0] != Nodes[^1].Name)
            {
                return false;
            }

            string previous = Inputs[0].Name;
            foreach (ModelNode node in Nodes)
            {
                if (node.Inputs.Length != 1 || node.Inputs[0] != previous)
                {
                    return false;
                }

                previous = node.Name;
            }

            return true;
        }
    }

    /// <summary>This model with each node replaced by <paramref name="replace"/>'s result (inputs and outputs unchanged).</summary>
    public ModelDescription WithNodes(Func<ModelNode, ModelNode> replace)
    {
        ArgumentNullException.ThrowIfNull(replace);
        return new ModelDescription(Inputs, Nodes.Select(replace), Outputs);
    }

    /// <summary>
    /// The part of the model that computes <paramref name="tensor"/>: the nodes it depends on, in this model's order,
    /// with the same inputs and <paramref name="tensor"/> as the only output (no nodes when it is a graph input).
    /// </summary>
    public ModelDescription Upstream(string tensor)
    {
        ShapeOf(tensor);
        var needed = new HashSet<string>(StringComparer.Ordinal) { tensor };
        for (int i = Nodes.Length - 1; i >= 0; i--)
        {
            if (needed.Contains(Nodes[i].Name))
            {
                needed.UnionWith(Nodes[i].Inputs);
            }
        }

        return new ModelDescription(Inputs, Nodes.Where(n => needed.Contains(n.Name)), [tensor]);
    }

    /// <summary>Like <c>input [N, 784] → 0 Dense → 1 BatchNorm → ... → output</c>.</summary>
    public override string ToString() =>
        string.Join(", ", Inputs.Select(i => $"{i.Name} {i.Shape}")) + " → "
        + string.Join(" → ", Nodes.Select(n => n.ToString())) + $" ({string.Join(", ", Outputs.Select(o => $"{o} {ShapeOf(o)}"))})";
}
