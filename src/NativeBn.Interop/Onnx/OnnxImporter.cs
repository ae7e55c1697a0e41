using Google.Protobuf;
using NativeBn.Data;
using NativeBn.Interop.Onnx.Proto;
using NativeBn.Network;
using NativeBn.Normalization;

namespace NativeBn.Interop.Onnx;

/// <summary>
/// Reads ONNX models that are a chain of supported operators into a <see cref="Sequential"/> model:
/// <c>Gemm</c> (alpha = beta = 1, transA = 0, either transB), <c>MatMul</c> optionally followed by an <c>Add</c> of a
/// bias initializer, <c>BatchNormalization</c> (inference or training_mode, epsilon and momentum read as ONNX
/// conventions: momentum is a decay, the variance biased), <c>Relu</c>, <c>Dropout</c> (identity at inference),
/// <c>Flatten</c> (axis 1) and <c>Identity</c>, and a final <c>Softmax</c> over axis 1 (NativeBn applies softmax in
/// <c>Predict</c>, so it is dropped). Every node must take the previous node's output as its first input.
/// Anything else throws <see cref="DataFormatException"/> naming the operator, the node and the reason.
/// </summary>
public static class OnnxImporter
{
    /// <summary>Reads an ONNX file.</summary>
    public static Sequential Load(string path, int maxBatch = 256)
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

        return Import(content, path, maxBatch);
    }

    /// <summary>Reads ONNX bytes; <paramref name="source"/> names them in errors.</summary>
    public static Sequential Import(ReadOnlySpan<byte> content, string source, int maxBatch = 256)
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
        if (opset is null || opset.Version < 9)
        {
            throw new DataFormatException($"{source}: needs the default ONNX opset, version 9 or later (found {opset?.Version.ToString() ?? "none"}).");
        }

        if (graph.Input.Count == 0 || graph.Node.Count == 0)
        {
            throw new DataFormatException($"{source}: the graph has no {(graph.Input.Count == 0 ? "input" : "nodes")}.");
        }

        var initializers = new Dictionary<string, TensorProto>();
        foreach (TensorProto tensor in graph.Initializer)
        {
            initializers[tensor.Name] = tensor;
        }

        ValueInfoProto? input = graph.Input.FirstOrDefault(i => !initializers.ContainsKey(i.Name))
            ?? throw new DataFormatException($"{source}: every graph input is an initializer; there is no data input.");
        var reader = new ChainReader(source, initializers, input.Name);
        try
        {
            return reader.Read(graph.Node, maxBatch);
        }
        catch (ArgumentException e)
        {
            throw new DataFormatException($"{source}: {e.Message}", e);
        }
    }

    /// <summary>Walks the node chain, building layers.</summary>
    private sealed class ChainReader(string source, Dictionary<string, TensorProto> initializers, string input)
    {
        private readonly List<Action<SequentialBuilder>> _layers = [];
        private readonly List<Action<Layer>> _setters = [];
        private string _current = input;
        private int _width = -1;

        public Sequential Read(IList<NodeProto> nodes, int maxBatch)
        {
            for (int k = 0; k < nodes.Count; k++)
            {
                NodeProto node = nodes[k];
                if (node.Input.Count == 0 || node.Input[0] != _current)
                {
                    throw Error(node, $"takes '{(node.Input.Count > 0 ? node.Input[0] : "")}' but the previous node produced '{_current}'; only chains of operators are supported");
                }

                if (node.Domain is not ("" or "ai.onnx"))
                {
                    throw Error(node, $"is in domain '{node.Domain}'; only the default ONNX domain is supported");
                }

                switch (node.OpType)
                {
                    case "Gemm":
                        Gemm(node);
                        break;
                    case "MatMul":
                        k = MatMul(nodes, k);
                        break;
                    case "BatchNormalization":
                        BatchNormalization(node);
                        break;
                    case "Relu":
                        _layers.Add(b => b.Relu());
                        _setters.Add(_ => { });
                        break;
                    case "Dropout":
                    case "Identity":
                        break;
                    case "Flatten":
                        if (Int(node, "axis", 1) != 1)
                        {
                            throw Error(node, $"has axis {Int(node, "axis", 1)}; only axis 1 is supported");
                        }

                        break;
                    case "Softmax":
                        long axis = Int(node, "axis", -1);
                        if (k != nodes.Count - 1 || axis is not (1 or -1))
                        {
                            throw Error(node, "is supported only as the last node, over axis 1");
                        }

                        break;
                    default:
                        throw Error(node, "is not supported (supported: Gemm, MatMul, Add after MatMul, BatchNormalization, Relu, Dropout, Flatten, Identity, Softmax)");
                }

                NodeProto produced = nodes[k];
                _current = produced.Output.Count > 0 ? produced.Output[0] : throw Error(produced, "has no output");
            }

            if (_width < 0 || _layers.Count == 0)
            {
                throw new DataFormatException($"{source}: the graph holds no dense or BatchNormalization layer.");
            }

            var builder = new SequentialBuilder(InputWidth, seed: 0);
            foreach (Action<SequentialBuilder> add in _layers)
            {
                add(builder);
            }

            Sequential model = builder.Build(maxBatch);
            for (int i = 0; i < _setters.Count; i++)
            {
                _setters[i](model.Layers[i]);
            }

            return model;
        }

        private int InputWidth { get; set; }

        private void Dense(NodeProto node, float[] weight, float[] bias, int inputs, int outputs)
        {
            if (_width >= 0 && inputs != _width)
            {
                throw Error(node, $"takes {inputs} features but the previous layer produces {_width}");
            }

            if (_width < 0)
            {
                InputWidth = inputs;
            }

            _width = outputs;
            _layers.Add(b => b.Dense(outputs));
            _setters.Add(layer => ((DenseLayer)layer).SetParameters(weight, bias));
        }

        private void Gemm(NodeProto node)
        {
            if (Float(node, "alpha", 1f) != 1f || Float(node, "beta", 1f) != 1f || Int(node, "transA", 0) != 0)
            {
                throw Error(node, "uses alpha, beta or transA; only alpha = beta = 1 and transA = 0 are supported");
            }

            (float[] w, long[] dims) = Initializer(node, 1, "B");
            if (dims.Length != 2)
            {
                throw Error(node, $"has a {dims.Length}-dimensional weight; expected 2");
            }

            bool transposed = Int(node, "transB", 0) == 1;
            int outputs = (int)(transposed ? dims[0] : dims[1]);
            int inputs = (int)(transposed ? dims[1] : dims[0]);
            float[] weight = transposed ? w : Transpose(w, inputs, outputs);
            float[] bias = node.Input.Count > 2 && node.Input[2].Length > 0 ? Vector(node, 2, "C", outputs) : new float[outputs];
            Dense(node, weight, bias, inputs, outputs);
        }

        private int MatMul(IList<NodeProto> nodes, int k)
        {
            NodeProto node = nodes[k];
            (float[] w, long[] dims) = Initializer(node, 1, "B");
            if (dims.Length != 2)
            {
                throw Error(node, $"has a {dims.Length}-dimensional weight; expected 2");
            }

            int inputs = (int)dims[0], outputs = (int)dims[1];
            float[] bias = new float[outputs];
            if (k + 1 < nodes.Count && nodes[k + 1].OpType == "Add" && nodes[k + 1].Input.Contains(node.Output[0]))
            {
                NodeProto add = nodes[k + 1];
                int biasIndex = add.Input[0] == node.Output[0] ? 1 : 0;
                bias = Vector(add, biasIndex, "bias", outputs);
                Dense(node, Transpose(w, inputs, outputs), bias, inputs, outputs);
                return k + 1;
            }

            Dense(node, Transpose(w, inputs, outputs), bias, inputs, outputs);
            return k;
        }

        private void BatchNormalization(NodeProto node)
        {
            if (node.Input.Count != 5)
            {
                throw Error(node, $"has {node.Input.Count} inputs; expected X, scale, B, mean, var");
            }

            if (node.Attribute.Any(a => a.Name == "spatial" && a.I == 0))
            {
                throw Error(node, "has spatial = 0 (per-element statistics), which is not supported");
            }

            long trainingMode = Int(node, "training_mode", 0);
            if (trainingMode is not (0 or 1))
            {
                throw Error(node, $"has training_mode {trainingMode}; expected 0 or 1");
            }

            (float[] scale, long[] dims) = Initializer(node, 1, "scale");
            int channels = dims.Length == 1 ? (int)dims[0] : throw Error(node, "has a scale that is not one-dimensional");
            float[] bias = Vector(node, 2, "B", channels);
            float[] mean = Vector(node, 3, "input_mean", channels);
            float[] variance = Vector(node, 4, "input_var", channels);
            if (_width >= 0 && channels != _width)
            {
                throw Error(node, $"has {channels} channels but the previous layer produces {_width}");
            }

            if (_width < 0)
            {
                InputWidth = channels;
                _width = channels;
            }

            float epsilon = Float(node, "epsilon", 1e-5f);
            float momentum = Float(node, "momentum", 0.9f);
            BatchNormOptions options;
            try
            {
                options = new BatchNormOptions { Conventions = new BatchNormConventions(momentum, MomentumConvention.Decay, epsilon, RunningVarianceConvention.Biased) };
            }
            catch (ArgumentException e)
            {
                throw Error(node, e.Message);
            }

            _layers.Add(b => b.BatchNorm(options));
            _setters.Add(layer =>
            {
                BatchNorm batchNorm = ((BatchNormLayer)layer).BatchNorm;
                batchNorm.SetParameters(scale, bias);
                try
                {
                    batchNorm.SetRunningStatistics([.. mean.Select(v => (double)v)], [.. variance.Select(v => (double)v)]);
                }
                catch (ArgumentException e)
                {
                    throw Error(node, e.Message);
                }
            });
        }

        private (float[] Values, long[] Dims) Initializer(NodeProto node, int index, string role)
        {
            if (node.Input.Count <= index || !initializers.TryGetValue(node.Input[index], out TensorProto? tensor))
            {
                throw Error(node, $"input {role} is not an initializer; weights must be constant");
            }

            return (OnnxTensors.Floats(tensor, source), [.. tensor.Dims]);
        }

        private float[] Vector(NodeProto node, int index, string role, int length)
        {
            (float[] values, long[] dims) = Initializer(node, index, role);
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
            new($"{source}: {node.OpType} node '{(node.Name.Length > 0 ? node.Name : "(unnamed)")}' {message}.");
    }
}
