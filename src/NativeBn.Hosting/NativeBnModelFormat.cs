namespace NativeBn.Hosting;

/// <summary>The format of a model's bytes.</summary>
public enum NativeBnModelFormat
{
    /// <summary>
    /// For a file, by extension as <see cref="Interop.ModelFormats"/> does (<c>.onnx</c>, <c>.safetensors</c>, anything else
    /// the native model file); for a stream, by content: bytes starting with the native magic <c>NBNMODEL</c> are a
    /// native model file, a little-endian 8-byte header length followed by <c>{</c> is safetensors, anything else ONNX.
    /// </summary>
    Auto,

    /// <summary>The native model file (<see cref="Serialization.ModelFile"/>).</summary>
    Native,

    /// <summary>An ONNX model (<see cref="Interop.Onnx.OnnxImporter"/>).</summary>
    Onnx,

    /// <summary>A sequential safetensors model (<see cref="Interop.Safetensors.SafetensorsModels"/>).</summary>
    Safetensors,
}
