using Google.Protobuf;
using NativeBn.Data;
using NativeBn.Interop.Onnx.Proto;
using NativeBn.Model;
using NativeBn.Model.Nodes;
using NativeBn.Normalization;

namespace NativeBn.Interop.Onnx;

/// <summary>
/// Reads ONNX models (default domain, opset 9 or later) into a <see cref="ModelDescription"/>, node by node:
/// <c>Gemm</c> (alpha = beta = 1, transA = 0, either transB) and <c>MatMul</c> with constant weights, the latter with
/// a following <c>Add</c> of a bias initializer folded in, become Dense; <c>BatchNormalization</c> (inference or
/// training_mode; epsilon and momentum read as ONNX conventions: momentum is a decay, the variance biased) becomes
/// BatchNorm; <c>Relu</c>, <c>Dropout</c>, <c>Identity</c>, <c>Flatten</c> (axis 1), <c>Softmax</c> (over axis 1 of
/// <c>[N, C]</c>) and <c>Add</c> of two tensors keep their meaning. The model's output is the graph's output: a
/// Softmax is kept where the file has one. Nodes are named after their weights' <c>state_dict</c> prefix where the file
/// has one (<c>fc1.weight</c> gives <c>fc1</c>), after their output otherwise. Anything else throws
/// <see cref="DataFormatException"/> naming the operator, the node and the reason.
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
        if (opset is null || opset.Version < 7)
        {
            throw new DataFormatException($"{source}: needs the default ONNX opset, version 7 or later (found {opset?.Version.ToString() ?? "none"}).");
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

        /// <summary>The batch size a graph input fixes (0 when symbolic): a Reshape naming it means the batch.</summary>
        private long _fixedBatch;

        public ModelDescription Read()
        {
            var inputs = new List<ModelInput>();
            foreach (ValueInfoProto input in graph.Input.Where(i => !_initializers.ContainsKey(i.Name)))
            {
                inputs.Add(new ModelInput(input.Name, Shape(input)));
                _tensors[input.Name] = input.Name;
                _shapes[input.Name] = inputs[^1].Shape;
                _names.Add(input.Name);
            }

            if (inputs.Count == 0)
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

                try
                {
                    k = ReadNode(nodes, k);
                }
                catch (ArgumentException e)
                {
                    throw Error(node, NodePrefix().Replace(e.Message, ""));
                }
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
                    Add(node, name => new DropoutNode(name, Input(node, 0), DropoutRate(node)));
                    return k;
                case "Flatten":
                    if (Int(node, "axis", 1) != 1)
                    {
                        throw Error(node, $"has axis {Int(node, "axis", 1)}; only axis 1 is supported");
                    }

                    Add(node, name => new FlattenNode(name, Input(node, 0)));
                    return k;
                case "Softmax":
                    if (Int(node, "axis", -1) is not (1 or -1))
                    {
                        throw Error(node, $"has axis {Int(node, "axis", -1)}; only the features of [N, C] (axis 1 or -1) are supported");
                    }

                    Add(node, name => new SoftmaxNode(name, Input(node, 0)));
                    return k;
                case "Add" when node.Input.Count == 2 && node.Input.All(i => !_initializers.ContainsKey(i)):
                    Add(node, name => new AddNode(name, Input(node, 0), Input(node, 1)));
                    return k;
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
                        + "GlobalAveragePool, Relu, Clip, Dropout, Flatten, Reshape, Pad of nothing, Identity, Softmax, and constant shape computations)");
            }
        }

        private void Gemm(NodeProto node)
        {
            if (Float(node, "alpha", 1f) != 1f || Float(node, "beta", 1f) != 1f || Int(node, "transA", 0) != 0)
            {
                throw Error(node, "uses alpha, beta or transA; only alpha = beta = 1 and transA = 0 are supported");
            }

            (float[] w, long[] dims, string weightName) = Initializer(node, 1, "B");
            if (dims.Length != 2)
            {
                throw Error(node, $"has a {dims.Length}-dimensional weight; expected 2");
            }

            bool transposed = Int(node, "transB", 0) == 1;
            int outputs = (int)(transposed ? dims[0] : dims[1]);
            int inputs = (int)(transposed ? dims[1] : dims[0]);
            float[] weight = transposed ? w : Transpose(w, inputs, outputs);
            float[] bias = node.Input.Count > 2 && node.Input[2].Length > 0 ? Vector(node, 2, "C", outputs) : new float[outputs];
            Add(node, name => new DenseNode(name, Input(node, 0), inputs, outputs, weight, bias), weightName);
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
            if (trainingMode is not (0 or 1))
            {
                throw Error(node, $"has training_mode {trainingMode}; expected 0 or 1");
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

        private double DropoutRate(NodeProto node)
        {
            if (node.Input.Count > 1 && node.Input[1].Length > 0)
            {
                (float[] ratio, _, _) = Initializer(node, 1, "ratio");
                return ratio.Length == 1 ? ratio[0] : throw Error(node, "has a ratio that is not a scalar");
            }

            return Float(node, "ratio", 0.5f);
        }

        private ShapeInfo Shape(ValueInfoProto input)
        {
            var dims = input.Type?.TensorType?.Shape?.Dim;
            if (dims is null || dims.Count == 0)
            {
                throw new DataFormatException($"{source}: graph input '{input.Name}' has no shape; the model's input shape must be stated.");
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
                    throw new DataFormatException(
                        $"{source}: graph input '{input.Name}' has dimension {d} '{(dim.DimParam.Length > 0 ? dim.DimParam : dim.DimValue.ToString(System.Globalization.CultureInfo.InvariantCulture))}'; only the first (batch) dimension may be symbolic.");
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
            new($"{source}: {node.OpType} node '{(node.Name.Length > 0 ? node.Name : "(unnamed)")}' {message.TrimEnd('.')}.");
    }
}
