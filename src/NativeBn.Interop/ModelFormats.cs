using NativeBn.Interop.Onnx;
using NativeBn.Interop.Safetensors;
using NativeBn.Model;
using NativeBn.Normalization;
using NativeBn.Serialization;

namespace NativeBn.Interop;

/// <summary>
/// Model descriptions by file extension: <c>.onnx</c> (<see cref="OnnxImporter"/>, <see cref="OnnxExporter"/>),
/// <c>.safetensors</c> (<see cref="SafetensorsModels"/>; a <c>state_dict</c> with its architecture through
/// <see cref="SafetensorsStateDict"/>), anything else the native model file (<see cref="ModelFile"/>).
/// </summary>
public static class ModelFormats
{
    /// <summary>Reads a model; unreadable or invalid files throw <see cref="Data.DataFormatException"/>.</summary>
    public static ModelDescription Load(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".onnx" => OnnxImporter.Load(path),
        ".safetensors" => SafetensorsModels.Load(path),
        _ => ModelFile.Load(path),
    };

    /// <summary>
    /// Reads a model, or with <paramref name="architecture"/> (an ONNX or native model file) the weights of the
    /// safetensors <c>state_dict</c> at <paramref name="path"/> applied to that architecture (<see cref="SafetensorsStateDict"/>).
    /// </summary>
    /// <exception cref="ArgumentException">An architecture given for a file that is not .safetensors, or an architecture that is.</exception>
    public static ModelDescription Load(string path, string? architecture)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (architecture is null)
        {
            return Load(path);
        }

        if (!Path.GetExtension(path).Equals(".safetensors", StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"An architecture applies to the weights of a .safetensors file; {path} is not one.", nameof(path));
        }

        if (Path.GetExtension(architecture).Equals(".safetensors", StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"The architecture must be an ONNX or native model file; {architecture} is a safetensors file.", nameof(architecture));
        }

        return SafetensorsStateDict.Load(Load(architecture), path);
    }

    /// <summary>Writes a model atomically; ONNX and safetensors files carry the chosen statistics.</summary>
    public static void Save(ModelDescription model, string path, SafetensorsNaming naming = SafetensorsNaming.PyTorch, NormalizationStatistics statistics = NormalizationStatistics.Running)
    {
        switch (Path.GetExtension(path).ToLowerInvariant())
        {
            case ".onnx":
                OnnxExporter.Save(OnnxExporter.Export(model, statistics), path);
                break;
            case ".safetensors":
                SafetensorsModels.Save(model, path, naming, statistics);
                break;
            default:
                ModelFile.Save(model, path);
                break;
        }
    }
}
