using System.Runtime.InteropServices;

namespace NativeBn.Interop.Safetensors;

/// <summary>One tensor of a safetensors file: its dtype name (F32, F64, F16, BF16, I64, ...), shape and little-endian bytes.</summary>
/// <param name="DType">The dtype as the format names it.</param>
/// <param name="Shape">Dimensions; empty for a scalar.</param>
/// <param name="Data">The tensor's bytes, row-major, little-endian.</param>
public sealed record SafetensorsTensor(string DType, IReadOnlyList<long> Shape, byte[] Data)
{
    /// <summary>Bytes per element of each dtype the format defines.</summary>
    public static IReadOnlyDictionary<string, int> ElementSizes { get; } = new Dictionary<string, int>
    {
        ["BOOL"] = 1, ["U8"] = 1, ["I8"] = 1, ["F8_E5M2"] = 1, ["F8_E4M3"] = 1,
        ["I16"] = 2, ["U16"] = 2, ["F16"] = 2, ["BF16"] = 2,
        ["I32"] = 4, ["U32"] = 4, ["F32"] = 4,
        ["F64"] = 8, ["I64"] = 8, ["U64"] = 8,
    };

    /// <summary>An F32 tensor of <paramref name="values"/> (copied) with <paramref name="shape"/>.</summary>
    public static SafetensorsTensor Float32(ReadOnlySpan<float> values, params long[] shape) =>
        new("F32", shape, MemoryMarshal.AsBytes(values).ToArray());

    /// <summary>An F32 tensor of <paramref name="values"/> rounded to float, with <paramref name="shape"/>.</summary>
    public static SafetensorsTensor Float32(ReadOnlySpan<double> values, params long[] shape)
    {
        var rounded = new float[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            rounded[i] = (float)values[i];
        }

        return Float32(rounded, shape);
    }

    /// <summary>Number of elements (1 for a scalar).</summary>
    public long ElementCount => Shape.Aggregate(1L, (product, d) => product * d);
}
