using NativeBn.Interop.Onnx;
using NativeBn.Interop.Safetensors;
using NativeBn.Network;
using NativeBn.Normalization;
using NativeBn.Serialization;

namespace NativeBn.Interop;

/// <summary>
/// Models by file extension: <c>.onnx</c> (<see cref="OnnxImporter"/>, <see cref="OnnxExporter"/>), <c>.safetensors</c>
/// (<see cref="SafetensorsModels"/>), anything else the native model file (<see cref="ModelFile"/>).
/// </summary>
public static class ModelFormats
{
    /// <summary>Reads a model; unreadable or invalid files throw <see cref="Data.DataFormatException"/>.</summary>
    public static Sequential Load(string path, int maxBatch = 256) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".onnx" => OnnxImporter.Load(path, maxBatch),
        ".safetensors" => SafetensorsModels.Load(path, maxBatch),
        _ => ModelFile.Load(path, maxBatch),
    };

    /// <summary>Writes a model atomically; ONNX and safetensors files carry the chosen statistics.</summary>
    public static void Save(Sequential model, string path, SafetensorsNaming naming = SafetensorsNaming.PyTorch, NormalizationStatistics statistics = NormalizationStatistics.Running)
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
