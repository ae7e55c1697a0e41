using System.Runtime.InteropServices;
using Google.Protobuf;
using NativeBn.Data;
using NativeBn.Interop.Onnx.Proto;

namespace NativeBn.Interop.Onnx;

/// <summary>
/// Float tensors to and from ONNX <c>TensorProto</c> (little-endian raw data on write; raw or typed data on read), and
/// integer tensors (shapes, axes, indices) and boolean flags on read.
/// </summary>
internal static class OnnxTensors
{
    public static TensorProto Create(string name, ReadOnlySpan<float> values, params long[] dims) => new()
    {
        Name = name,
        DataType = (int)TensorProto.Types.DataType.Float,
        Dims = { dims },
        RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values)),
    };

    public static TensorProto Create(string name, ReadOnlySpan<double> values, params long[] dims)
    {
        var floats = new float[values.Length];
        for (int i = 0; i < floats.Length; i++)
        {
            floats[i] = (float)values[i];
        }

        return Create(name, floats, dims);
    }

    /// <summary>The values of a float tensor, checking its type, storage and element count against its dims.</summary>
    public static float[] Floats(TensorProto tensor, string source)
    {
        long count = ElementCount(tensor, source, TensorProto.Types.DataType.Float);
        float[] values;
        if (!tensor.RawData.IsEmpty)
        {
            if (tensor.RawData.Length != count * 4)
            {
                throw new DataFormatException(
                    $"{source}: tensor '{tensor.Name}' has {tensor.RawData.Length} bytes of raw data; its dims [{string.Join(", ", tensor.Dims)}] need {count * 4}.");
            }

            values = MemoryMarshal.Cast<byte, float>(tensor.RawData.Span).ToArray();
        }
        else
        {
            if (tensor.FloatData.Count != count)
            {
                throw new DataFormatException(
                    $"{source}: tensor '{tensor.Name}' has {tensor.FloatData.Count} values; its dims [{string.Join(", ", tensor.Dims)}] need {count}.");
            }

            values = [.. tensor.FloatData];
        }

        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                throw new DataFormatException($"{source}: tensor '{tensor.Name}' holds {values[i]} at index {i}.");
            }
        }

        return values;
    }

    /// <summary>The values of an INT64 or INT32 tensor (shapes, axes, indices), checking its storage and element count.</summary>
    public static long[] Longs(TensorProto tensor, string source)
    {
        bool wide = tensor.DataType == (int)TensorProto.Types.DataType.Int64;
        long count = ElementCount(tensor, source, wide ? TensorProto.Types.DataType.Int64 : TensorProto.Types.DataType.Int32);
        int size = wide ? 8 : 4;
        if (!tensor.RawData.IsEmpty)
        {
            if (tensor.RawData.Length != count * size)
            {
                throw new DataFormatException(
                    $"{source}: tensor '{tensor.Name}' has {tensor.RawData.Length} bytes of raw data; its dims [{string.Join(", ", tensor.Dims)}] need {count * size}.");
            }

            return wide
                ? MemoryMarshal.Cast<byte, long>(tensor.RawData.Span).ToArray()
                : [.. MemoryMarshal.Cast<byte, int>(tensor.RawData.Span).ToArray().Select(v => (long)v)];
        }

        long[] values = wide ? [.. tensor.Int64Data] : [.. tensor.Int32Data.Select(v => (long)v)];
        return values.Length == count
            ? values
            : throw new DataFormatException($"{source}: tensor '{tensor.Name}' has {values.Length} values; its dims [{string.Join(", ", tensor.Dims)}] need {count}.");
    }

    /// <summary>The values of a BOOL tensor (flags such as Dropout's training_mode): one byte each in raw data, or int32_data.</summary>
    public static bool[] Booleans(TensorProto tensor, string source)
    {
        long count = ElementCount(tensor, source, TensorProto.Types.DataType.Bool);
        if (!tensor.RawData.IsEmpty)
        {
            return tensor.RawData.Length == count
                ? [.. tensor.RawData.Span.ToArray().Select(b => b != 0)]
                : throw new DataFormatException(
                    $"{source}: tensor '{tensor.Name}' has {tensor.RawData.Length} bytes of raw data; its dims [{string.Join(", ", tensor.Dims)}] need {count}.");
        }

        return tensor.Int32Data.Count == count
            ? [.. tensor.Int32Data.Select(v => v != 0)]
            : throw new DataFormatException($"{source}: tensor '{tensor.Name}' has {tensor.Int32Data.Count} values; its dims [{string.Join(", ", tensor.Dims)}] need {count}.");
    }

    /// <summary>Elements its dims declare, after checking where the data lives and that the type is <paramref name="expected"/>.</summary>
    private static long ElementCount(TensorProto tensor, string source, TensorProto.Types.DataType expected)
    {
        if (tensor.DataLocation == TensorProto.Types.DataLocation.External || tensor.ExternalData.Count > 0)
        {
            throw new DataFormatException($"{source}: tensor '{tensor.Name}' keeps its data in an external file, which is not supported.");
        }

        if (tensor.DataType != (int)expected)
        {
            throw new DataFormatException(
                $"{source}: tensor '{tensor.Name}' has data type {(TensorProto.Types.DataType)tensor.DataType}; expected {expected} here.");
        }

        long count = 1;
        foreach (long dim in tensor.Dims)
        {
            if (dim < 0 || dim > int.MaxValue)
            {
                throw new DataFormatException($"{source}: tensor '{tensor.Name}' has dimension {dim}.");
            }

            if (dim != 0 && count > Array.MaxLength / dim)
            {
                throw new DataFormatException(
                    $"{source}: tensor '{tensor.Name}' has dimensions [{string.Join(", ", tensor.Dims)}], more elements than an array holds.");
            }

            count *= dim;
        }

        return count;
    }
}
