using Google.Protobuf;
using NativeBn.Data;
using NativeBn.Interop.Onnx.Proto;
using NativeBn.Model;
using NativeBn.Model.Nodes;
using NativeBn.Normalization;

namespace NativeBn.Interop.Onnx;

/// <summary>
/// Reads ONNX models (default domain, opset 7 or later; opsets 1 to 6 for the operators whose definition has not
/// changed since) into a <see cref="ModelDescription"/>, node by node. Graph inputs that are not initializers are
/// FLOAT tensors <c>[N, ...]</c>, the first dimension the batch. <c>Gemm</c> (transA = 0, either transB, alpha and beta
/// folded into the weight and a bias that broadcasts over the batch) and <c>MatMul</c> with constant weights, the
/// latter with a following <c>Add</c> of a bias initializer folded in, become Dense; <c>BatchNormalization</c>
/// (inference mode; epsilon and momentum read as ONNX conventions: momentum is a decay, the variance biased) becomes
/// BatchNorm; <c>Relu</c>, <c>Dropout</c> (inference mode, no mask output), <c>Identity</c>, <c>Flatten</c> (axis 1),
/// <c>Softmax</c> (over axis 1 of <c>[N, C]</c>) and <c>Add</c> of two computed tensors keep their meaning. The model's
/// output is the graph's output: a Softmax is kept where the file has one. Nodes are named after their weights'
/// <c>state_dict</c> prefix where the file has one (<c>fc1.weight</c> gives <c>fc1</c>), after their output otherwise.
/// Anything else throws <see cref="DataFormatException"/> naming the operator, the node (its name, or the output it
/// writes) and the reason; an input that is not a FLOAT tensor <c>[N, ...]</c> is reported by the first node reading it.
/// </summary>
public static partial class OnnxImporter
{
    /// <summary>Reads an ONNX file.</summary>
    public static ModelDescription Load(string path)
    {
        byte[] content;
        try
        {
            content = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataFormatException($"Cannot read ONNX file {path}: {e.Message}", e);
        }

        return Import(content, path);
    }

    /// <summary>Reads ONNX bytes; <paramref name="source"/> names them in errors.</summary>
    public static ModelDescription Import(ReadOnlySpan<byte> content, string source)
    {
        ModelProto model;
        try
        {
            model = ModelProto.Parser.ParseFrom(content);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new DataFormatException($"{source} is not a valid ONNX protobuf: {e.Message}", e);
        }

        GraphProto graph = model.Graph ?? throw new DataFormatException($"{source} has no graph.");
        OperatorSetIdProto? opset = model.OpsetImport.FirstOrDefault(o => o.Domain is "" or "ai.onnx");
        if (opset is null || opset.Version < 1)
        {
            throw new DataFormatException($"{source}: needs the default ONNX opset, version 1 or later (found {opset?.Version.ToString() ?? "none"}).");
        }

        if (graph.Node.Count == 0)
        {
            throw new DataFormatException($"{source}: the graph has no nodes.");
        }

        return new GraphReader(source, graph, opset.Version).Read();
    }

    /// <summary>The "Node 'name' (Kind): " start of a model node's error, dropped where the ONNX node is named instead.</summary>
    [System.Text.RegularExpressions.GeneratedRegex(@"^Node '[^']*' \([A-Za-z0-9]+\): ")]
    private static partial System.Text.RegularExpressions.Regex NodePrefix();

    /// <summary>Turns the graph's nodes into model nodes, keeping a map from ONNX tensor names to model tensor names.</summary>
    private sealed partial class GraphReader(string source, GraphProto graph, long opset)
    {
        private readonly Dictionary<string, TensorProto> _initializers = graph.Initializer
            .GroupBy(t => t.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);

        private readonly Dictionary<string, string> _tensors = new(StringComparer.Ordinal);
        private readonly Dictionary<string, ShapeInfo> _shapes = new(StringComparer.Ordinal);
        private readonly HashSet<string> _names = new(StringComparer.Ordinal);
        private readonly List<ModelNode> _nodes = [];

        /// <summary>
        /// Outputs of zero Pad nodes that only convolutions read: the padded tensor is not made; each convolution reads
        /// the Pad's input with the padding (top, left, bottom, right) added to its own.
        /// </summary>
        private readonly Dictionary<string, (string Source, long[] Pads)> _paddedInputs = new(StringComparer.Ordinal);

        /// <summary>Why each graph input that cannot be read is refused; the first node reading it reports it.</summary>
        private readonly Dictionary<string, string> _unreadableInputs = new(StringComparer.Ordinal);

        /// <summary>The batch size a graph input fixes (0 when symbolic): a Reshape naming it means the batch.</summary>
        private long _fixedBatch;

        public ModelDescription Read()
        {
            var inputs = new List<ModelInput>();
            foreach (ValueInfoProto input in graph.Input.Where(i => !_initializers.ContainsKey(i.Name)))
            {
                if (Shape(input) is not { } shape)
                {
                    continue;
                }

                inputs.Add(new ModelInput(input.Name, shape));
                _tensors[input.Name] = input.Name;
                _shapes[input.Name] = shape;
                _names.Add(input.Name);
            }

            if (inputs.Count == 0 && _unreadableInputs.Count == 0)
            {
                throw new DataFormatException($"{source}: every graph input is an initializer; there is no data input.");
            }

            IList<NodeProto> nodes = graph.Node;
            for (int k = 0; k < nodes.Count; k++)
            {
                NodeProto node = nodes[k];
                if (node.Domain is not ("" or "ai.onnx"))
                {
                    throw Error(node, $"is in domain '{node.Domain}'; only the default ONNX domain is supported");
                }

                if (node.Output.Count == 0 || node.Output[0].Length == 0)
                {
                    throw Error(node, "has no output");
                }

                if (node.Input.FirstOrDefault(_unreadableInputs.ContainsKey) is { } unreadable)
                {
                    throw Error(node, $"reads graph input '{unreadable}', which {_unreadableInputs[unreadable]}");
                }

                if (opset < 7 && node.OpType is "Add" or "Gemm" or "BatchNormalization" or "Dropout" or "Reshape")
                {
                    throw Error(node, $"is read at opset {opset}; its definitions before opset 7 (broadcast, is_test, spatial or consumed_inputs attributes, "
                        + "a shape attribute) are not supported");
                }

                try
                {
                    k = ReadNode(nodes, k);
                }
                catch (ArgumentException e)
                {
                    throw Error(node, NodePrefix().Replace(e.Message, ""));
                }
            }

            if (inputs.Count == 0)
            {
                (string name, string reason) = _unreadableInputs.First();
                throw new DataFormatException($"{source}: graph input '{name}' {reason}.");
            }

            string[] outputs = [.. graph.Output.Select(o => _tensors.TryGetValue(o.Name, out string? name)
                ? name
                : throw new DataFormatException($"{source}: the graph output '{o.Name}' is computed by no supported node."))];
            try
            {
                return new ModelDescription(inputs, _nodes, outputs);
            }
            catch (ArgumentException e)
            {
                throw new DataFormatException($"{source}: {e.Message}", e);
            }
        }

        /// <summary>Reads the node at <paramref name="k"/> (and a bias Add after a MatMul); returns the last index used.</summary>
        private int ReadNode(IList<NodeProto> nodes, int k)
        {
            NodeProto node = nodes[k];
            switch (node.OpType)
            {
                case "Gemm":
                    Gemm(node);
                    return k;
                case "MatMul":
                    return MatMul(nodes, k);
                case "BatchNormalization":
                    BatchNormalization(node);
                    return k;
                case "Relu":
                    Add(node, name => new ReluNode(name, Input(node, 0)));
                    return k;
                case "Identity":
                    Add(node, name => new IdentityNode(name, Input(node, 0)));
                    return k;
                case "Dropout":
                    Dropout(node);
                    return k;
                case "Flatten":
                    if (Axis(node, 1) != 1)
                    {
                        throw Error(node, $"has axis {Int(node, "axis", 1)} of {InputShape(node, 0)}; only axis 1 is supported");
                    }

                    Add(node, name => new FlattenNode(name, Input(node, 0)));
                    return k;
                case "Softmax":
                    // Opsets before 13 default to axis 1 and flatten from it; 13 and later default to -1, one axis.
                    if (Axis(node, opset < 13 ? 1 : -1) != 1)
                    {
                        throw Error(node, $"has axis {Int(node, "axis", opset < 13 ? 1 : -1)} of {InputShape(node, 0)}; only the features of [N, C] (axis 1, or -1 of a 2-D input) are supported");
                    }

                    Add(node, name => new SoftmaxNode(name, Input(node, 0)));
                    return k;
                case "Add" when node.Input.Count == 2 && node.Input.All(i => !_initializers.ContainsKey(i)):
                    Add(node, name => new AddNode(name, Input(node, 0), Input(node, 1)));
                    return k;
                case "Add":
                    throw Error(node, $"adds [{string.Join(", ", node.Input)}]; only the sum of two computed tensors of the same shape, or a bias after a MatMul, is supported");
                case "Conv":
                    Conv(node);
                    return k;
                case "MaxPool" or "AveragePool":
                    Pool(node);
                    return k;
                case "GlobalAveragePool":
                    Add(node, name => new GlobalAveragePoolNode(name, Input(node, 0)));
                    return k;
                case "Clip":
                    Clip(node);
                    return k;
                case "Reshape":
                    Reshape(node);
                    return k;
                case "Pad":
                    Pad(node);
                    return k;
                case "Constant" or "Shape" or "Gather" or "Unsqueeze" or "Squeeze" or "Concat" or "Cast":
                    Constant(node);
                    return k;
                default:
                    throw Error(node, "is not supported (supported: Gemm, MatMul, Add, BatchNormalization, Conv, MaxPool, AveragePool, "
                        + "GlobalAveragePool, Relu, Clip, Dropout, Flatten, Reshape, Pad (of nothing, or zero padding merged into the convolutions reading it), Identity, Softmax, and constant shape computations)");
            }
        }

        /// <summary><c>alpha·A·B + beta·C</c>: alpha scales the weight, beta the bias, which broadcasts over the batch.</summary>
        private void Gemm(NodeProto node)
        {
            if (Int(node, "transA", 0) != 0)
            {
                throw Error(node, "has transA 1, which puts the batch along the columns of A; only transA = 0 is supported");
            }

            (float[] w, long[] dims, string weightName) = Initializer(node, 1, "B");
            if (dims.Length != 2)
            {
                throw Error(node, $"has a {dims.Length}-dimensional weight; expected 2");
            }

            bool transposed = Int(node, "transB", 0) == 1;
            int outputs = (int)(transposed ? dims[0] : dims[1]);
            int inputs = (int)(transposed ? dims[1] : dims[0]);
            float alpha = Float(node, "alpha", 1f), beta = Float(node, "beta", 1f);
            float[] weight = [.. (transposed ? w : Transpose(w, inputs, outputs)).Select(v => alpha * v)];
            float[] bias = node.Input.Count > 2 && node.Input[2].Length > 0 ? [.. GemmBias(node, outputs).Select(v => beta * v)] : new float[outputs];
            Add(node, name => new DenseNode(name, Input(node, 0), inputs, outputs, weight, bias), weightName);
        }

        /// <summary>Gemm's C when it is the same for every row of A: shape [], [1], [M], [1, 1] or [1, M] for M outputs.</summary>
        private float[] GemmBias(NodeProto node, int outputs)
        {
            (float[] c, long[] dims, _) = Initializer(node, 2, "C");
            bool sameForEveryRow = dims.Length <= 2 && (dims.Length < 2 || dims[0] == 1) && (dims.Length == 0 || dims[^1] == 1 || dims[^1] == outputs);
            if (!sameForEveryRow)
            {
                throw Error(node, $"input C has shape [{string.Join(", ", dims)}]; only a bias the same for every sample ([], [1], [{outputs}] or [1, {outputs}]) is supported");
            }

            return c.Length == 1 ? [.. Enumerable.Repeat(c[0], outputs)] : c;
        }

        private int MatMul(IList<NodeProto> nodes, int k)
        {
            NodeProto node = nodes[k];
            (float[] w, long[] dims, string weightName) = Initializer(node, 1, "B");
            if (dims.Length != 2)
            {
                throw Error(node, $"has a {dims.Length}-dimensional weight; expected 2");
            }

            int inputs = (int)dims[0], outputs = (int)dims[1];
            float[] bias = new float[outputs];
            NodeProto last = node;
            if (k + 1 < nodes.Count && nodes[k + 1].OpType == "Add" && nodes[k + 1].Input.Count == 2
                && nodes[k + 1].Input.Contains(node.Output[0]) && nodes[k + 1].Input.Any(_initializers.ContainsKey))
            {
                last = nodes[k + 1];
                bias = Vector(last, last.Input[0] == node.Output[0] ? 1 : 0, "bias", outputs);
                k++;
            }

            string input = Input(node, 0);
            Add(last, name => new DenseNode(name, input, inputs, outputs, Transpose(w, inputs, outputs), bias), weightName);
            return k;
        }

        private void BatchNormalization(NodeProto node)
        {
            if (node.Input.Count != 5)
            {
                throw Error(node, $"has {node.Input.Count} inputs; expected X, scale, B, mean, var");
            }

            if (node.Attribute.Any(a => a.Name == "spatial" && a.I == 0) && InputShape(node, 0).Rank > 2)
            {
                throw Error(node, "has spatial = 0 (statistics per channel and position), which is not supported");
            }

            long trainingMode = Int(node, "training_mode", 0);
            if (trainingMode != 0)
            {
                throw Error(node, $"has training_mode {trainingMode}, which normalizes with the batch's own statistics; only inference mode (0) is supported");
            }

            if (node.Output.Skip(1).Any(o => o.Length > 0))
            {
                throw Error(node, "writes running or saved statistics outputs, which only training computes; only the output Y is supported");
            }

            (float[] scale, long[] dims, string scaleName) = Initializer(node, 1, "scale");
            int channels = dims.Length == 1 ? (int)dims[0] : throw Error(node, "has a scale that is not one-dimensional");
            float[] bias = Vector(node, 2, "B", channels);
            float[] mean = Vector(node, 3, "input_mean", channels);
            float[] variance = Vector(node, 4, "input_var", channels);
            float epsilon = Float(node, "epsilon", 1e-5f);
            float momentum = Float(node, "momentum", 0.9f);
            var options = new BatchNormOptions
            {
                Conventions = new BatchNormConventions(momentum, MomentumConvention.Decay, epsilon, RunningVarianceConvention.Biased),
            };
            Add(node, name => new BatchNormNode(name, Input(node, 0), options, scale, bias,
                [.. mean.Select(v => (double)v)], [.. variance.Select(v => (double)v)], 0), scaleName);
        }

        /// <summary>Adds the node made for <paramref name="onnx"/>'s output, named after its weights where they have a state_dict name.</summary>
        private void Add(NodeProto onnx, Func<string, ModelNode> create, string? weightName = null)
        {
            string output = onnx.Output[0];
            string? prefix = weightName is not null && weightName.LastIndexOf('.') is > 0 and int dot ? weightName[..dot] : null;
            string name = prefix is not null && !_names.Contains(prefix) && !_initializers.ContainsKey(prefix) && !IsOnnxTensor(prefix)
                ? prefix
                : output;
            if (!_names.Add(name))
            {
                throw Error(onnx, $"writes '{name}', which an earlier node or input already writes");
            }

            ModelNode created = create(name);
            _shapes[name] = created.InferShape([.. created.Inputs.Select(i => _shapes[i])]);
            _nodes.Add(created);
            _tensors[output] = name;
        }

        private bool IsOnnxTensor(string name) =>
            graph.Node.Any(n => n.Output.Contains(name)) || graph.Input.Any(i => i.Name == name);

        private string Input(NodeProto node, int index) =>
            node.Input.Count > index && _tensors.TryGetValue(node.Input[index], out string? name)
                ? name
                : throw Error(node, $"reads '{(node.Input.Count > index ? node.Input[index] : "")}', which no earlier supported node or graph input writes");

        /// <summary>The inferred shape of the node's input at <paramref name="index"/>.</summary>
        private ShapeInfo InputShape(NodeProto node, int index) => _shapes[Input(node, index)];

        /// <summary>Dropout at inference, the identity: refused where the mask is an output or training_mode drops values.</summary>
        private void Dropout(NodeProto node)
        {
            if (node.Output.Skip(1).Any(o => o.Length > 0))
            {
                throw Error(node, "writes the mask output, which is not supported");
            }

            double rate = DropoutRate(node);
            if (node.Input.Count > 2 && node.Input[2].Length > 0 && rate > 0)
            {
                if (!_initializers.TryGetValue(node.Input[2], out TensorProto? mode) || mode.DataType != (int)TensorProto.Types.DataType.Bool)
                {
                    throw Error(node, $"input training_mode '{node.Input[2]}' is not a BOOL initializer; only a constant training_mode is supported");
                }

                if (OnnxTensors.Booleans(mode, source) is not [false])
                {
                    throw Error(node, "has training_mode true, which drops values at random; only inference mode is supported");
                }
            }

            Add(node, name => new DropoutNode(name, Input(node, 0), rate));
        }

        /// <summary>The node's axis attribute made non-negative against the rank of its first input.</summary>
        private long Axis(NodeProto node, long fallback)
        {
            long axis = Int(node, "axis", fallback);
            return axis < 0 ? axis + InputShape(node, 0).Rank : axis;
        }

        private double DropoutRate(NodeProto node)
        {
            if (node.Input.Count > 1 && node.Input[1].Length > 0)
            {
                (float[] ratio, _, _) = Initializer(node, 1, "ratio");
                return ratio.Length == 1 ? ratio[0] : throw Error(node, "has a ratio that is not a scalar");
            }

            return Float(node, "ratio", 0.5f);
        }

        /// <summary>The input's shape, or null (the reason kept in <see cref="_unreadableInputs"/>) where it is not a FLOAT tensor [N, ...].</summary>
        private ShapeInfo? Shape(ValueInfoProto input)
        {
            ShapeInfo? Unreadable(string reason)
            {
                _unreadableInputs[input.Name] = reason;
                return null;
            }

            if (input.Type?.TensorType is not { } tensor)
            {
                return Unreadable("is not a tensor (a sequence, map or optional value, or no type); only FLOAT tensors are supported");
            }

            if (tensor.ElemType != (int)TensorProto.Types.DataType.Float)
            {
                return Unreadable($"has element type {(TensorProto.Types.DataType)tensor.ElemType}; only FLOAT is supported");
            }

            var dims = tensor.Shape?.Dim;
            if (dims is null || dims.Count == 0)
            {
                return Unreadable("has no shape; the model's input shape must be stated");
            }

            if (dims.Count == 1)
            {
                return Unreadable("has one dimension; inputs are [N, ...]: the batch, then at least one dimension per sample");
            }

            var dimensions = new List<Dimension>();
            for (int d = 0; d < dims.Count; d++)
            {
                TensorShapeProto.Types.Dimension dim = dims[d];
                if (d == 0)
                {
                    dimensions.Add(Dimension.Batch);
                    _fixedBatch = dim.DimValue > 0 ? dim.DimValue : 0;
                }
                else if (dim.DimValue is >= 1 and <= int.MaxValue)
                {
                    dimensions.Add(Dimension.Of((int)dim.DimValue));
                }
                else
                {
                    return Unreadable($"has dimension {d} '{(dim.DimParam.Length > 0 ? dim.DimParam : dim.DimValue.ToString(System.Globalization.CultureInfo.InvariantCulture))}'; only the first (batch) dimension may be symbolic");
                }
            }

            return new ShapeInfo(dimensions);
        }

        private (float[] Values, long[] Dims, string Name) Initializer(NodeProto node, int index, string role)
        {
            if (node.Input.Count <= index || !_initializers.TryGetValue(node.Input[index], out TensorProto? tensor))
            {
                throw Error(node, $"input {role} is not an initializer; weights must be constant");
            }

            if (tensor.DataType != (int)TensorProto.Types.DataType.Float)
            {
                throw Error(node, $"input {role} '{tensor.Name}' has data type {(TensorProto.Types.DataType)tensor.DataType}; only FLOAT weights are supported");
            }

            return (OnnxTensors.Floats(tensor, source), [.. tensor.Dims], tensor.Name);
        }

        private float[] Vector(NodeProto node, int index, string role, int length)
        {
            (float[] values, long[] dims, _) = Initializer(node, index, role);
            if (values.Length != length || dims.Count(d => d != 1) > 1)
            {
                throw Error(node, $"input {role} has shape [{string.Join(", ", dims)}]; expected {length} values");
            }

            return values;
        }

        private static float[] Transpose(float[] w, int rows, int columns)
        {
            var t = new float[w.Length];
            for (int r = 0; r < rows; r++)
            {
                for (int c = 0; c < columns; c++)
                {
                    t[c * rows + r] = w[r * columns + c];
                }
            }

            return t;
        }

        private long Int(NodeProto node, string name, long fallback)
        {
            AttributeProto? attribute = node.Attribute.FirstOrDefault(a => a.Name == name);
            if (attribute is null)
            {
                return fallback;
            }

            return attribute.Type == AttributeProto.Types.AttributeType.Int
                ? attribute.I
                : throw Error(node, $"attribute {name} has type {attribute.Type}; expected INT");
        }

        private float Float(NodeProto node, string name, float fallback)
        {
            AttributeProto? attribute = node.Attribute.FirstOrDefault(a => a.Name == name);
            if (attribute is null)
            {
                return fallback;
            }

            return attribute.Type == AttributeProto.Types.AttributeType.Float
                ? attribute.F
                : throw Error(node, $"attribute {name} has type {attribute.Type}; expected FLOAT");
        }

        private DataFormatException Error(NodeProto node, string message) =>
            new($"{source}: {node.OpType} node {(node.Name.Length > 0 ? $"'{node.Name}'" : node.Output.Count > 0 ? $"writing '{node.Output[0]}'" : "(unnamed)")} {message.TrimEnd('.')}.");
    }
}
