using System.Text;
using NativeBn.Interop.Onnx.Proto;
using NativeBn.Model;
using NativeBn.Model.Nodes;

namespace NativeBn.Interop.Onnx;

/// <summary>
/// The operators that slide a window over <c>[N, C, H, W]</c> (Conv, MaxPool, AveragePool) and Clip: attributes read
/// with ONNX defaults, explicit pads in ONNX order (top, left, bottom, right) or auto_pad resolved against the inferred
/// input size (SAME_UPPER puts the odd padding at the end, SAME_LOWER at the start, VALID pads nothing).
/// </summary>
public static partial class OnnxImporter
{
    private sealed partial class GraphReader
    {
        private const long MaxWindow = 1 << 16;

        private void Conv(NodeProto node)
        {
            (string source, long[] padding) = _paddedInputs.TryGetValue(node.Input[0], out var padded) ? padded : (Input(node, 0), new long[4]);
            ShapeInfo input = _shapes[source];
            if (input.Rank != 4)
            {
                throw Error(node, $"convolves {input}; only 2-D convolutions of [N, C, H, W] are supported");
            }

            (float[] weight, long[] dims, string weightName) = Initializer(node, 1, "W");
            if (dims.Length != 4)
            {
                throw Error(node, $"has a weight of shape [{string.Join(", ", dims)}]; expected [M, C/group, kH, kW]");
            }

            long groups = Int(node, "group", 1);
            if (groups < 1 || groups > input[1] || dims[1] * groups != input[1] || dims[0] % groups != 0)
            {
                throw Error(node, $"has group {groups} and a weight of shape [{string.Join(", ", dims)}] for {input[1]} input channels; "
                    + "expected C/group input channels per weight and M divisible by group");
            }

            long[] kernel = [dims[2], dims[3]];
            if (Ints(node, "kernel_shape") is { } declared && !declared.SequenceEqual(kernel))
            {
                throw Error(node, $"declares kernel_shape [{string.Join(", ", declared)}] but its weight has a {dims[2]}x{dims[3]} kernel");
            }

            Window2d window = Window(node, input, kernel, dilations: true, padding);
            int outputs = (int)dims[0];
            float[] bias = node.Input.Count > 2 && node.Input[2].Length > 0 ? Vector(node, 2, "B", outputs) : [];
            Add(node, name => new Conv2dNode(name, source, input[1], outputs, window, (int)groups, weight, bias), weightName);
        }

        private void Pool(NodeProto node)
        {
            ShapeInfo input = InputShape(node, 0);
            if (input.Rank != 4)
            {
                throw Error(node, $"pools {input}; only 2-D pooling of [N, C, H, W] is supported");
            }

            bool max = node.OpType == "MaxPool";
            if (max && Int(node, "storage_order", 0) != 0)
            {
                throw Error(node, "has storage_order 1; only row-major (0) is supported");
            }

            if (node.Output.Count > 1 && node.Output[1].Length > 0)
            {
                throw Error(node, "writes the Indices output, which is not supported");
            }

            long[] kernel = Ints(node, "kernel_shape") ?? throw Error(node, "has no kernel_shape");
            if (kernel.Length != 2)
            {
                throw Error(node, $"has kernel_shape [{string.Join(", ", kernel)}]; only 2-D kernels are supported");
            }

            if (!max && Ints(node, "dilations") is { } dilations && dilations.Any(d => d != 1))
            {
                throw Error(node, $"has dilations [{string.Join(", ", dilations)}]; dilated average pooling is not supported");
            }

            Window2d window = Window(node, input, kernel, dilations: max);
            bool ceil = Int(node, "ceil_mode", 0) switch
            {
                0 => false,
                1 => true,
                long other => throw Error(node, $"has ceil_mode {other}; expected 0 or 1"),
            };
            bool countIncludePad = !max && Int(node, "count_include_pad", 0) switch
            {
                0 => false,
                1 => true,
                long other => throw Error(node, $"has count_include_pad {other}; expected 0 or 1"),
            };
            Add(node, name => new PoolNode(name, Input(node, 0), max ? PoolKind.Max : PoolKind.Average, window, ceil, countIncludePad));
        }

        /// <summary>Bounds from attributes (opsets before 11) or from constant scalar inputs (11 and later); absent means none.</summary>
        private void Clip(NodeProto node)
        {
            float min = float.NegativeInfinity, max = float.PositiveInfinity;
            if (opset < 11)
            {
                min = Float(node, "min", float.NegativeInfinity);
                max = Float(node, "max", float.PositiveInfinity);
            }
            else
            {
                float Bound(int index, string role, float fallback)
                {
                    if (node.Input.Count <= index || node.Input[index].Length == 0)
                    {
                        return fallback;
                    }

                    (float[] values, _, _) = Initializer(node, index, role);
                    return values.Length == 1 ? values[0] : throw Error(node, $"input {role} has {values.Length} values; expected a scalar");
                }

                min = Bound(1, "min", min);
                max = Bound(2, "max", max);
            }

            Add(node, name => new ClipNode(name, Input(node, 0), min, max));
        }

        /// <summary>kernel, strides, pads or auto_pad, and dilations of a 2-D window on <paramref name="input"/>.</summary>
        /// <summary>The node's window; <paramref name="padding"/> (top, left, bottom, right) adds a preceding Pad's.</summary>
        private Window2d Window(NodeProto node, ShapeInfo input, long[] kernel, bool dilations, long[]? padding = null)
        {
            long[] strides = Ints(node, "strides") ?? [1, 1];
            long[] dilation = (dilations ? Ints(node, "dilations") : null) ?? [1, 1];
            long[] pads = Ints(node, "pads") ?? [0, 0, 0, 0];
            if (strides.Length != 2 || dilation.Length != 2 || pads.Length != 4)
            {
                throw Error(node, $"has strides [{string.Join(", ", strides)}], dilations [{string.Join(", ", dilation)}], pads [{string.Join(", ", pads)}]; "
                    + "expected 2, 2 and 4 values for a 2-D window");
            }

            foreach (long value in kernel.Concat(strides).Concat(dilation))
            {
                if (value < 1 || value > MaxWindow)
                {
                    throw Error(node, $"has a kernel size, stride or dilation of {value}; expected 1 to {MaxWindow}");
                }
            }

            string autoPad = String(node, "auto_pad", "NOTSET");
            switch (autoPad)
            {
                case "NOTSET":
                    break;
                case "VALID":
                    pads = [0, 0, 0, 0];
                    break;
                case "SAME_UPPER" or "SAME_LOWER":
                    (long top, long bottom) = SamePadding(input[2], kernel[0], strides[0], dilation[0], autoPad == "SAME_UPPER");
                    (long left, long right) = SamePadding(input[3], kernel[1], strides[1], dilation[1], autoPad == "SAME_UPPER");
                    pads = [top, left, bottom, right];
                    break;
                default:
                    throw Error(node, $"has auto_pad '{autoPad}'; expected NOTSET, VALID, SAME_UPPER or SAME_LOWER");
            }

            if (padding is not null)
            {
                pads = [pads[0] + padding[0], pads[1] + padding[1], pads[2] + padding[2], pads[3] + padding[3]];
            }

            if (pads.Any(p => p < 0 || p > MaxWindow))
            {
                throw Error(node, $"has pads [{string.Join(", ", pads)}]; expected 0 to {MaxWindow} each");
            }

            return new Window2d((int)kernel[0], (int)kernel[1], (int)strides[0], (int)strides[1],
                (int)pads[0], (int)pads[1], (int)pads[2], (int)pads[3], (int)dilation[0], (int)dilation[1]);
        }

        /// <summary>Padding that gives <c>ceil(size / stride)</c> outputs; the odd one at the end (upper) or the start.</summary>
        private static (long Before, long After) SamePadding(long size, long kernel, long stride, long dilation, bool upper)
        {
            long outputs = (size + stride - 1) / stride;
            long total = Math.Max(0, (outputs - 1) * stride + (kernel - 1) * dilation + 1 - size);
            long small = total / 2;
            return upper ? (small, total - small) : (total - small, small);
        }

        private long[]? Ints(NodeProto node, string name)
        {
            AttributeProto? attribute = node.Attribute.FirstOrDefault(a => a.Name == name);
            return attribute switch
            {
                null => null,
                { Type: AttributeProto.Types.AttributeType.Ints } => [.. attribute.Ints],
                _ => throw Error(node, $"attribute {name} has type {attribute.Type}; expected INTS"),
            };
        }

        private string String(NodeProto node, string name, string fallback)
        {
            AttributeProto? attribute = node.Attribute.FirstOrDefault(a => a.Name == name);
            return attribute switch
            {
                null => fallback,
                { Type: AttributeProto.Types.AttributeType.String } => Encoding.UTF8.GetString(attribute.S.Span),
                _ => throw Error(node, $"attribute {name} has type {attribute.Type}; expected STRING"),
            };
        }
    }
}
