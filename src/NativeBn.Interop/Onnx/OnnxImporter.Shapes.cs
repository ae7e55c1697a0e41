using NativeBn.Interop.Onnx.Proto;
using NativeBn.Model;
using NativeBn.Model.Nodes;

namespace NativeBn.Interop.Onnx;

/// <summary>
/// Constants and the shape computations exporters write in front of a Reshape (PyTorch's <c>x.view(x.size(0), -1)</c>
/// gives Shape → Gather → Unsqueeze → Concat → Reshape), evaluated when the file is read. A shape value keeps the
/// batch dimension symbolic, so the batch size is never baked in; a Reshape is accepted when it flattens to
/// <c>[N, features]</c> or keeps the shape.
/// </summary>
public static partial class OnnxImporter
{
    private sealed partial class GraphReader
    {
        /// <summary>Stands for the batch dimension inside a shape value.</summary>
        private const long Batch = long.MinValue;

        /// <summary>Integer values computed at load time (shapes, indices), by ONNX tensor name.</summary>
        private readonly Dictionary<string, long[]> _values = new(StringComparer.Ordinal);

        private void Constant(NodeProto node)
        {
            string output = node.Output[0];
            switch (node.OpType)
            {
                case "Constant":
                    TensorProto tensor = ConstantValue(node);
                    tensor.Name = output;
                    _initializers[output] = tensor;
                    if (tensor.DataType is (int)TensorProto.Types.DataType.Int64 or (int)TensorProto.Types.DataType.Int32)
                    {
                        _values[output] = OnnxTensors.Longs(tensor, source);
                    }

                    break;
                case "Shape":
                    long[] shape = [.. InputShape(node, 0).Dimensions.Select(d => d.IsBatch ? Batch : d.Size)];
                    long start = Int(node, "start", 0), end = Int(node, "end", shape.Length);
                    start = Math.Clamp(start < 0 ? start + shape.Length : start, 0, shape.Length);
                    end = Math.Clamp(end < 0 ? end + shape.Length : end, 0, shape.Length);
                    _values[output] = shape[(int)start..(int)Math.Max(start, end)];
                    break;
                case "Gather":
                    long[] data = Value(node, 0, "data");
                    if (Int(node, "axis", 0) != 0)
                    {
                        throw Error(node, "gathers along an axis other than 0 of a shape, which is not supported");
                    }

                    _values[output] = [.. Value(node, 1, "indices").Select(i => i >= -data.Length && i < data.Length
                        ? data[i < 0 ? i + data.Length : i]
                        : throw Error(node, $"gathers index {i} of a {data.Length}-value shape"))];
                    break;
                case "Unsqueeze" or "Squeeze" or "Cast":
                    _values[output] = Value(node, 0, "input");
                    break;
                case "Concat":
                    _values[output] = [.. node.Input.Select((_, i) => Value(node, i, $"input {i}")).SelectMany(v => v)];
                    break;
            }
        }

        private TensorProto ConstantValue(NodeProto node)
        {
            AttributeProto attribute = node.Attribute.Count == 1 ? node.Attribute[0] : throw Error(node, "has no single value attribute");
            return attribute.Name switch
            {
                "value" when attribute.T is not null => attribute.T.Clone(),
                "value_float" => new TensorProto { DataType = (int)TensorProto.Types.DataType.Float, FloatData = { attribute.F } },
                "value_floats" => new TensorProto { DataType = (int)TensorProto.Types.DataType.Float, Dims = { attribute.Floats.Count }, FloatData = { attribute.Floats } },
                "value_int" => new TensorProto { DataType = (int)TensorProto.Types.DataType.Int64, Int64Data = { attribute.I } },
                "value_ints" => new TensorProto { DataType = (int)TensorProto.Types.DataType.Int64, Dims = { attribute.Ints.Count }, Int64Data = { attribute.Ints } },
                _ => throw Error(node, $"holds its value in attribute '{attribute.Name}', which is not supported"),
            };
        }

        /// <summary>An integer value computed earlier in the graph or held by an integer initializer.</summary>
        private long[] Value(NodeProto node, int index, string role)
        {
            string name = node.Input.Count > index ? node.Input[index] : "";
            if (_values.TryGetValue(name, out long[]? value))
            {
                return value;
            }

            if (_initializers.TryGetValue(name, out TensorProto? tensor)
                && tensor.DataType is (int)TensorProto.Types.DataType.Int64 or (int)TensorProto.Types.DataType.Int32)
            {
                return _values[name] = OnnxTensors.Longs(tensor, source);
            }

            throw Error(node, $"input {role} '{name}' is not a constant or a shape computed from the model's shapes; only constant shape computations are supported");
        }

        /// <summary>
        /// A Pad that pads nothing (PyTorch writes one in front of some average pools) is the identity; real padding
        /// is refused, since exporters put it in the next convolution's or pool's own pads.
        /// </summary>
        private void Pad(NodeProto node)
        {
            long[] pads = opset < 11 ? Ints(node, "pads") ?? throw Error(node, "has no pads") : Value(node, 1, "pads");
            if (pads.All(p => p == 0))
            {
                Add(node, name => new IdentityNode(name, Input(node, 0)));
                return;
            }

            string refusal = $"pads [{string.Join(", ", pads)}]; only a Pad of zeros (the identity), or zero padding of H and W that only convolutions read (merged into their pads), is supported";
            ShapeInfo input = InputShape(node, 0);
            bool zeros = String(node, "mode", "constant") == "constant" && (opset < 11
                ? Float(node, "value", 0f) == 0f
                : node.Input.Count < 3 || node.Input[2].Length == 0 || PadValue(node) == 0f);
            bool spatial = input.Rank == 4 && pads.Length == 8 && pads[0] == 0 && pads[1] == 0 && pads[4] == 0 && pads[5] == 0
                && pads.All(p => p >= 0 && p <= MaxWindow) && (opset < 18 || node.Input.Count < 4 || node.Input[3].Length == 0);
            NodeProto[] readers = [.. graph.Node.Where(n => n.Input.Contains(node.Output[0]))];
            bool convolutions = readers.Length > 0 && graph.Output.All(o => o.Name != node.Output[0])
                && readers.All(r => r.OpType == "Conv" && r.Input[0] == node.Output[0] && String(r, "auto_pad", "NOTSET") is "NOTSET" or "VALID");
            if (!zeros || !spatial || !convolutions)
            {
                throw Error(node, refusal);
            }

            _paddedInputs[node.Output[0]] = (Input(node, 0), [pads[2], pads[3], pads[6], pads[7]]);
        }

        /// <summary>Pad's constant_value input (opset 11 and later), a one-value float initializer.</summary>
        private float PadValue(NodeProto node)
        {
            (float[] values, _, _) = Initializer(node, 2, "constant_value");
            return values.Length == 1 ? values[0] : throw Error(node, $"input constant_value has {values.Length} values; expected a scalar");
        }

        /// <summary>Reshape to <c>[N, features]</c> (a Flatten) or to the same shape (an Identity).</summary>
        private void Reshape(NodeProto node)
        {
            ShapeInfo input = InputShape(node, 0);
            long[] target = Value(node, 1, "shape");
            if (Int(node, "allowzero", 0) != 0 && target.Contains(0))
            {
                throw Error(node, "reshapes to a size of zero (allowzero), which is not supported");
            }

            long[] resolved = [.. target.Select((size, axis) => size switch
            {
                0 when axis < input.Rank => input.Dimensions[axis].IsBatch ? Batch : input[axis],
                _ when axis == 0 && _fixedBatch > 0 && size == _fixedBatch => Batch,
                _ => size,
            })];
            long perSample = input.ValuesPerSample;
            string Described() => $"[{string.Join(", ", resolved.Select(s => s == Batch ? "N" : s.ToString(System.Globalization.CultureInfo.InvariantCulture)))}]";
            bool flattens = resolved.Length == 2 && (
                (resolved[0] == Batch && (resolved[1] == -1 || resolved[1] == perSample))
                || (resolved[0] == -1 && resolved[1] == perSample));
            bool keeps = resolved.Length == input.Rank && resolved.Select((s, axis) => s == Batch ? input.Dimensions[axis].IsBatch : !input.Dimensions[axis].IsBatch && s == input[axis]).All(x => x);
            if (flattens)
            {
                Add(node, name => new FlattenNode(name, Input(node, 0)));
            }
            else if (keeps)
            {
                Add(node, name => new IdentityNode(name, Input(node, 0)));
            }
            else
            {
                throw Error(node, $"reshapes {input} to {Described()}; only reshapes to [N, {perSample}] or to the same shape are supported");
            }
        }
    }
}
