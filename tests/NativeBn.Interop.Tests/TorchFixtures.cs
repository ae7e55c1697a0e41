using System.Text.Json;

namespace NativeBn.Interop.Tests;

/// <summary>
/// ONNX files written by PyTorch's exporter (tests/pytorch/export_models.py) with their input batch and PyTorch's
/// eval-mode output: the small ones committed under Fixtures/pytorch, torchvision's ResNet-18 and MobileNetV2 in the
/// folder named by <c>NATIVEBN_TORCH_FIXTURES</c> (.ci/run generates them there).
/// </summary>
internal static class TorchFixtures
{
    public const string Variable = "NATIVEBN_TORCH_FIXTURES";

    public static string Committed => Folder();

    private static string Folder([System.Runtime.CompilerServices.CallerFilePath] string source = "") =>
        Path.Combine(Path.GetDirectoryName(source)!, "Fixtures", "pytorch");

    /// <summary>The generated folder, or null when the variable is unset.</summary>
    public static string? Generated => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } folder ? folder : null;

    public static IReadOnlyList<Entry> Load(string folder)
    {
        string manifest = Path.Combine(folder, "manifest.json");
        Assert.True(File.Exists(manifest), $"{manifest} is missing: run /usr/bin/python3 tests/pytorch/export_models.py {folder}");
        using JsonDocument document = JsonDocument.Parse(File.ReadAllBytes(manifest));
        return [.. document.RootElement.GetProperty("models").EnumerateArray().Select(m => new Entry(
            folder,
            m.GetProperty("name").GetString()!,
            [.. m.GetProperty("input_shape").EnumerateArray().Select(d => d.GetInt32())],
            [.. m.GetProperty("output_shape").EnumerateArray().Select(d => d.GetInt32())],
            m.GetProperty("opset").GetInt32(),
            m.GetProperty("batchnorm_kept").GetBoolean()))];
    }

    public sealed record Entry(string Folder, string Name, int[] InputShape, int[] OutputShape, int Opset, bool BatchNormKept)
    {
        public string OnnxPath => Path.Combine(Folder, Name + ".onnx");

        public float[] Input => Floats(Name + ".input.bin", InputShape);

        public float[] Output => Floats(Name + ".output.bin", OutputShape);

        public override string ToString() => Name;

        private float[] Floats(string file, int[] shape)
        {
            byte[] bytes = File.ReadAllBytes(Path.Combine(Folder, file));
            Assert.Equal(shape.Aggregate(4, (a, b) => a * b), bytes.Length);
            var values = new float[bytes.Length / 4];
            Buffer.BlockCopy(bytes, 0, values, 0, bytes.Length);
            return values;
        }
    }
}
