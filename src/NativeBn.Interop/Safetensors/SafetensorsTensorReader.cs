using System.Buffers.Binary;
using System.Runtime.InteropServices;
using NativeBn.Data;
using NativeBn.Serialization;

namespace NativeBn.Interop.Safetensors;

/// <summary>Typed access to a file's tensors with errors that name the file, the tensor, what was expected and what was found.</summary>
internal sealed class SafetensorsTensorReader(IReadOnlyDictionary<string, SafetensorsTensor> tensors, string source)
{
    public string Source => source;

    public bool Has(string name) => tensors.ContainsKey(name);

    public long[] Shape(string name, int rank)
    {
        SafetensorsTensor tensor = Get(name);
        if (tensor.Shape.Count != rank || tensor.Shape.Any(d => d <= 0 || d > ModelFile.MaxWidth))
        {
            throw new DataFormatException($"{source}: tensor '{name}' has shape [{string.Join(", ", tensor.Shape)}]; expected {rank} positive dimensions.");
        }

        return [.. tensor.Shape];
    }

    /// <summary>The values of a tensor that must have exactly <paramref name="shape"/>.</summary>
    public float[] Floats(string name, IReadOnlyList<long> shape)
    {
        SafetensorsTensor tensor = Get(name);
        if (!tensor.Shape.SequenceEqual(shape))
        {
            throw new DataFormatException($"{source}: tensor '{name}' has shape [{string.Join(", ", tensor.Shape)}]; expected [{string.Join(", ", shape)}].");
        }

        return Floats(name, tensor.ElementCount);
    }

    public float[] Floats(string name, long count)
    {
        SafetensorsTensor tensor = Get(name);
        if (tensor.ElementCount != count)
        {
            throw new DataFormatException($"{source}: tensor '{name}' has {tensor.ElementCount} elements; expected {count}.");
        }

        float[] values = tensor.DType switch
        {
            "F32" => MemoryMarshal.Cast<byte, float>(tensor.Data).ToArray(),
            "F64" => [.. MemoryMarshal.Cast<byte, double>(tensor.Data).ToArray().Select(v => (float)v)],
            _ => throw new DataFormatException($"{source}: tensor '{name}' has dtype {tensor.DType}; floating-point tensors must be F32 or F64."),
        };
        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                throw new DataFormatException($"{source}: tensor '{name}' holds {values[i]} at index {i}.");
            }
        }

        return values;
    }

    public long Int64Scalar(string name)
    {
        SafetensorsTensor tensor = Get(name);
        return tensor.DType == "I64" && tensor.ElementCount == 1 && tensor.Data.Length == 8
            ? BinaryPrimitives.ReadInt64LittleEndian(tensor.Data)
            : throw new DataFormatException($"{source}: tensor '{name}' must be one I64 value; it has dtype {tensor.DType} and shape [{string.Join(", ", tensor.Shape)}].");
    }

    private SafetensorsTensor Get(string name) =>
        tensors.TryGetValue(name, out SafetensorsTensor? tensor)
            ? tensor
            : throw new DataFormatException($"{source}: tensor '{name}' is missing.");
}
