using NativeBn.Interop.Onnx;
using NativeBn.Interop.Safetensors;
using NativeBn.Model;
using NativeBn.Normalization;
using NativeBn.Serialization;

namespace NativeBn.Interop;

/// <summary>
/// Model descriptions by file extension: <c>.onnx</c> (<see cref="OnnxImporter"/>, <see cref="OnnxExporter"/>),
/// <c>.safetensors</c> (<see cref="SafetensorsModels"/>), anything else the native model file (<see cref="ModelFile"/>).
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
