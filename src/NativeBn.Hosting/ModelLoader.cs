using System.Buffers.Binary;
using System.Security.Cryptography;
using NativeBn.Data;
using NativeBn.Interop.Onnx;
using NativeBn.Interop.Safetensors;
using NativeBn.Model;
using NativeBn.Network;
using NativeBn.Serialization;

namespace NativeBn.Hosting;

/// <summary>Reads a model's bytes from its configured source, hashes them, parses them and compiles a plan.</summary>
internal static class ModelLoader
{
    /// <summary>
    /// A snapshot of <paramref name="options"/>'s model numbered <paramref name="version"/>. Unreadable sources throw
    /// <see cref="DataFormatException"/>; invalid contents throw what the format reader or
    /// <see cref="InferencePlan.Build"/> throws.
    /// </summary>
    public static ModelSnapshot Load(NativeBnModelOptions options, long version, DateTimeOffset now)
    {
        byte[] content = ReadBytes(options);
        string source = options.SourceName;
        ModelDescription model = Parse(content, FormatOf(options, content), source);
        InferencePlan plan = InferencePlan.Build(model, options.Regime);
        return new ModelSnapshot(model, plan, version, Convert.ToHexStringLower(SHA256.HashData(content)), now, source, DriftMonitor.Create(plan, options));
    }

    private static byte[] ReadBytes(NativeBnModelOptions options)
    {
        try
        {
            if (options.Path is { } path)
            {
                return File.ReadAllBytes(path);
            }

            using Stream stream = options.OpenStream!()
                ?? throw new DataFormatException($"The OpenStream factory of model '{options.Name}' returned null.");
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            return buffer.ToArray();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException && e is not DataFormatException)
        {
            throw new DataFormatException($"Cannot read model '{options.Name}' from {options.SourceName}: {e.Message}", e);
        }
    }

    private static NativeBnModelFormat FormatOf(NativeBnModelOptions options, ReadOnlySpan<byte> content)
    {
        if (options.Format != NativeBnModelFormat.Auto)
        {
            return options.Format;
        }

        if (options.Path is { } path)
        {
            return System.IO.Path.GetExtension(path).ToLowerInvariant() switch
            {
                ".onnx" => NativeBnModelFormat.Onnx,
                ".safetensors" => NativeBnModelFormat.Safetensors,
                _ => NativeBnModelFormat.Native,
            };
        }

        if (content.StartsWith(ModelFile.Magic))
        {
            return NativeBnModelFormat.Native;
        }

        return content.Length > 8 && BinaryPrimitives.ReadUInt64LittleEndian(content) <= (ulong)(content.Length - 8) && content[8] == (byte)'{'
            ? NativeBnModelFormat.Safetensors
            : NativeBnModelFormat.Onnx;
    }

    private static ModelDescription Parse(ReadOnlySpan<byte> content, NativeBnModelFormat format, string source) => format switch
    {
        NativeBnModelFormat.Onnx => OnnxImporter.Import(content, source),
        NativeBnModelFormat.Safetensors => SafetensorsModels.Import(content, source),
        _ => ModelFile.Deserialize(content, source),
    };
}
