using NativeBn.Interop.Onnx;
using NativeBn.Interop.Safetensors;
using NativeBn.Network;
using NativeBn.Normalization;
using NativeBn.Serialization;

namespace NativeBn.Cli;

/// <summary>Models by file extension: <c>.onnx</c>, <c>.safetensors</c>, anything else the native model format.</summary>
internal static class ModelFiles
{
    public static Sequential Load(FileInfo file) => Path.GetExtension(file.Name).ToLowerInvariant() switch
    {
        ".onnx" => OnnxImporter.Load(file.FullName),
        ".safetensors" => SafetensorsModels.Load(file.FullName),
        _ => ModelFile.Load(file.FullName),
    };

    public static void Save(Sequential model, FileInfo file, SafetensorsNaming naming, NormalizationStatistics statistics)
    {
        switch (Path.GetExtension(file.Name).ToLowerInvariant())
        {
            case ".onnx":
                OnnxExporter.Save(OnnxExporter.Export(model, statistics), file.FullName);
                break;
            case ".safetensors":
                SafetensorsModels.Save(model, file.FullName, naming, statistics);
                break;
            default:
                ModelFile.Save(model, file.FullName);
                break;
        }
    }
}
