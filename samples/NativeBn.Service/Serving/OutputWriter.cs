using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace NativeBn.Service.Serving;

/// <summary>
/// Writes a prediction into the response body: JSON <c>{"outputs":[...],"version":N,"hash":"..."}</c> (each float32 in
/// its shortest round-trip form, so parsing it back gives the same bits; an output that is not finite, which JSON
/// numbers cannot express, as the string <c>"NaN"</c>, <c>"Infinity"</c> or <c>"-Infinity"</c>, as System.Text.Json's
/// named floating-point literals do) or little-endian float32 values.
/// </summary>
internal static class OutputWriter
{
    private static readonly IBufferWriter<byte> Detached = new ArrayBufferWriter<byte>(1);

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    public static void WriteJson(IBufferWriter<byte> target, ReadOnlySpan<float> outputs, ServedVersion version)
    {
        Utf8JsonWriter writer = t_writer ??= new Utf8JsonWriter(Detached);
        writer.Reset(target);
        writer.WriteStartObject();
        writer.WriteStartArray("outputs"u8);
        foreach (float value in outputs)
        {
            if (float.IsFinite(value))
            {
                writer.WriteNumberValue(value);
            }
            else
            {
                writer.WriteStringValue(float.IsNaN(value) ? "NaN"u8 : value > 0 ? "Infinity"u8 : "-Infinity"u8);
            }
        }

        writer.WriteEndArray();
        writer.WriteNumber("version"u8, version.Version);
        writer.WriteString("hash"u8, version.Hash);
        writer.WriteEndObject();
        writer.Flush();
        writer.Reset(Detached);
    }

    public static void WriteBinary(IBufferWriter<byte> target, ReadOnlySpan<float> outputs)
    {
        int length = outputs.Length * sizeof(float);
        Span<byte> span = target.GetSpan(length)[..length];
        MemoryMarshal.AsBytes(outputs).CopyTo(span);
        if (!BitConverter.IsLittleEndian)
        {
            Span<int> words = MemoryMarshal.Cast<byte, int>(span);
            BinaryPrimitives.ReverseEndianness(words, words);
        }

        target.Advance(length);
    }
}
