using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using NativeBn.Data;

namespace NativeBn.Interop.Safetensors;

/// <summary>
/// Reads and writes the safetensors format: an 8-byte little-endian header length N, N bytes of UTF-8 JSON
/// (<c>{"name": {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, ..., "__metadata__": {...}}</c>, padded
/// with spaces to a multiple of 8 bytes), then the data buffer, with offsets relative to its start. Reading checks
/// everything: the header fits the file, each tensor's dtype is known, its byte length equals shape × dtype size, and
/// the tensors cover the buffer exactly, without overlaps or holes. Any violation throws <see cref="DataFormatException"/>.
/// </summary>
public static class SafetensorsFile
{
    /// <summary>Largest header accepted (the reference implementation's limit).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    /// <summary>The file's bytes for the tensors (in the given order) and optional string metadata.</summary>
    public static byte[] Write(IEnumerable<KeyValuePair<string, SafetensorsTensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var list = tensors.ToList();
        using var header = new MemoryStream();
        using (var json = new Utf8JsonWriter(header))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject("__metadata__");
                foreach ((string key, string value) in metadata)
                {
                    json.WriteString(key, value);
                }

                json.WriteEndObject();
            }

            long offset = 0;
            foreach ((string name, SafetensorsTensor tensor) in list)
            {
                if (!SafetensorsTensor.ElementSizes.TryGetValue(tensor.DType, out int size))
                {
                    throw new ArgumentException($"Tensor '{name}' has unknown dtype {tensor.DType}.", nameof(tensors));
                }

                if (tensor.ElementCount * size != tensor.Data.Length)
                {
                    throw new ArgumentException($"Tensor '{name}' has {tensor.Data.Length} bytes; shape [{string.Join(", ", tensor.Shape)}] of {tensor.DType} needs {tensor.ElementCount * size}.", nameof(tensors));
                }

                json.WriteStartObject(name);
                json.WriteString("dtype", tensor.DType);
                json.WriteStartArray("shape");
                foreach (long d in tensor.Shape)
                {
                    json.WriteNumberValue(d);
                }

                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + tensor.Data.Length);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += tensor.Data.Length;
            }

            json.WriteEndObject();
        }

        while (header.Length % 8 != 0)
        {
            header.WriteByte((byte)' ');
        }

        using var file = new MemoryStream();
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
        file.Write(length);
        header.Position = 0;
        header.CopyTo(file);
        foreach ((_, SafetensorsTensor tensor) in list)
        {
            file.Write(tensor.Data);
        }

        return file.ToArray();
    }

    /// <summary>Reads every tensor and the metadata; <paramref name="source"/> names the file in errors.</summary>
    public static (IReadOnlyDictionary<string, SafetensorsTensor> Tensors, IReadOnlyDictionary<string, string> Metadata) Read(ReadOnlySpan<byte> content, string source)
    {
        if (content.Length < 8)
        {
            throw new DataFormatException($"{source} is {content.Length} bytes long; a safetensors file starts with an 8-byte header length.");
        }

        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(content);
        if (headerLength > MaxHeaderBytes || headerLength > (ulong)(content.Length - 8))
        {
            throw new DataFormatException($"{source}: the header claims {headerLength} bytes but the file has {content.Length - 8} after the length field.");
        }

        ReadOnlySpan<byte> headerBytes = content.Slice(8, (int)headerLength);
        ReadOnlySpan<byte> buffer = content[(8 + (int)headerLength)..];
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(headerBytes.ToArray());
        }
        catch (JsonException e)
        {
            throw new DataFormatException($"{source}: the header is not valid JSON ({e.Message}).", e);
        }

        using (document)
        {
            try
            {
                return ReadTensors(document, buffer.ToArray(), source);
            }
            catch (Exception e) when (e is InvalidOperationException or FormatException or ArgumentException)
            {
                throw new DataFormatException($"{source}: the header is malformed ({e.Message}).", e);
            }
        }
    }

    private static (IReadOnlyDictionary<string, SafetensorsTensor> Tensors, IReadOnlyDictionary<string, string> Metadata) ReadTensors(
        JsonDocument document, byte[] buffer, string source)
    {
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new DataFormatException($"{source}: the header is not a JSON object.");
            }

            var metadata = new Dictionary<string, string>();
            var entries = new List<(string Name, string DType, long[] Shape, long Begin, long End)>();
            foreach (JsonProperty property in document.RootElement.EnumerateObject())
            {
                if (property.Name == "__metadata__")
                {
                    ReadMetadata(property.Value, metadata, source);
                    continue;
                }

                entries.Add(ReadEntry(property, source));
            }

            long covered = 0;
            var tensors = new Dictionary<string, SafetensorsTensor>();
            foreach (var entry in entries.OrderBy(e => e.Begin))
            {
                if (entry.Begin != covered)
                {
                    throw new DataFormatException(entry.Begin < covered
                        ? $"{source}: tensor '{entry.Name}' starts at byte {entry.Begin}, inside the previous tensor (which ends at {covered})."
                        : $"{source}: bytes {covered} to {entry.Begin} of the data belong to no tensor.");
                }

                if (entry.End > buffer.Length)
                {
                    throw new DataFormatException($"{source}: tensor '{entry.Name}' ends at byte {entry.End} but the data holds {buffer.Length} bytes (the file is truncated).");
                }

                tensors[entry.Name] = new SafetensorsTensor(entry.DType, entry.Shape, buffer[(int)entry.Begin..(int)entry.End]);
                covered = entry.End;
            }

            if (covered != buffer.Length)
            {
                throw new DataFormatException($"{source}: the data holds {buffer.Length} bytes but the tensors cover {covered}.");
            }

            return (tensors, metadata);
        }
    }

    /// <summary>Reads a file.</summary>
    public static (IReadOnlyDictionary<string, SafetensorsTensor> Tensors, IReadOnlyDictionary<string, string> Metadata) ReadFile(string path)
    {
        byte[] content;
        try
        {
            content = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataFormatException($"Cannot read safetensors file {path}: {e.Message}", e);
        }

        return Read(content, path);
    }

    private static void ReadMetadata(JsonElement value, Dictionary<string, string> metadata, string source)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new DataFormatException($"{source}: __metadata__ is not an object of strings.");
        }

        foreach (JsonProperty item in value.EnumerateObject())
        {
            metadata[item.Name] = item.Value.ValueKind == JsonValueKind.String
                ? item.Value.GetString()!
                : throw new DataFormatException($"{source}: metadata '{item.Name}' is not a string.");
        }
    }

    private static (string Name, string DType, long[] Shape, long Begin, long End) ReadEntry(JsonProperty property, string source)
    {
        string name = property.Name;
        JsonElement value = property.Value;
        if (value.ValueKind != JsonValueKind.Object
            || !value.TryGetProperty("dtype", out JsonElement dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String
            || !value.TryGetProperty("shape", out JsonElement shapeElement) || shapeElement.ValueKind != JsonValueKind.Array
            || !value.TryGetProperty("data_offsets", out JsonElement offsetsElement) || offsetsElement.ValueKind != JsonValueKind.Array)
        {
            throw new DataFormatException($"{source}: tensor '{name}' needs dtype (string), shape (array) and data_offsets (array).");
        }

        string dtype = dtypeElement.GetString()!;
        if (!SafetensorsTensor.ElementSizes.TryGetValue(dtype, out int size))
        {
            throw new DataFormatException($"{source}: tensor '{name}' has unknown dtype '{dtype}'.");
        }

        long[] shape = [.. shapeElement.EnumerateArray().Select(d => Dimension(d, name, source))];
        long[] offsets = [.. offsetsElement.EnumerateArray().Select(d => Dimension(d, name, source))];
        if (offsets.Length != 2 || offsets[1] < offsets[0])
        {
            throw new DataFormatException($"{source}: tensor '{name}' has data_offsets [{string.Join(", ", offsets)}]; expected [begin, end] with begin ≤ end.");
        }

        long elements = 1;
        foreach (long d in shape)
        {
            elements = d == 0 ? 0 : elements > long.MaxValue / d ? throw new DataFormatException($"{source}: tensor '{name}' has too many elements.") : elements * d;
        }

        if (elements > long.MaxValue / size || elements * size != offsets[1] - offsets[0])
        {
            throw new DataFormatException($"{source}: tensor '{name}' spans {offsets[1] - offsets[0]} bytes; shape [{string.Join(", ", shape)}] of {dtype} needs {(elements > long.MaxValue / size ? "more" : (elements * size).ToString(System.Globalization.CultureInfo.InvariantCulture))}.");
        }

        return (name, dtype, shape, offsets[0], offsets[1]);
    }

    private static long Dimension(JsonElement element, string name, string source) =>
        element.ValueKind == JsonValueKind.Number && element.TryGetInt64(out long value) && value >= 0
            ? value
            : throw new DataFormatException($"{source}: tensor '{name}' has a shape or offset that is not a non-negative integer.");
}
