using BenchmarkDotNet.Attributes;
using NativeBn.Benchmarks.Peers;
using NativeBn.Interop.Onnx;
using NativeBn.Model;
using NativeBn.Network;

namespace NativeBn.Benchmarks;

/// <summary>
/// torchvision's ResNet-18 and MobileNetV2 at 224x224, exported by PyTorch with BatchNorm kept
/// (tests/pytorch/export_models.py DIR --benchmark, DIR in <see cref="Variable"/>): NativeBn's folded plan against ONNX
/// Runtime on the same file, one image and a batch of 8, on 1 and 2 threads. ONNX Runtime folds BatchNorm itself.
/// </summary>
[MemoryDiagnoser]
public class ConvNetBenchmarks
{
    /// <summary>The folder holding the exported models.</summary>
    public const string Variable = "NATIVEBN_BENCHMARK_MODELS";

    private InferencePlan _plan = null!;
    private float[] _input = [], _output = [];
    private OrtRunner _ort1 = null!, _ort2 = null!;

    [Params("resnet18", "mobilenet_v2")]
    public string Model { get; set; } = "";

    [Params(1, 8)]
    public int Batch { get; set; }

    public static bool IsAvailable => Folder is { } folder && File.Exists(Path.Combine(folder, "resnet18-224-opset13-bn.onnx"));

    /// <summary>The folder <see cref="Variable"/> names, or null when it is not set.</summary>
    public static string? Folder => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } folder ? folder : null;

    [GlobalSetup]
    public void Setup()
    {
        string path = Path.Combine(Folder!, $"{Model}-224-opset13-bn.onnx");
        ModelDescription model = OnnxImporter.Load(path);
        _plan = InferencePlan.Build(model, InferenceRegime.Folded);
        var random = new Random(Batch);
        _input = [.. Enumerable.Range(0, Batch * _plan.InputWidth).Select(_ => random.NextSingle() * 2 - 1)];
        _output = new float[Batch * _plan.OutputWidth];
        var ortOutput = new float[_output.Length];
        byte[] onnx = File.ReadAllBytes(path);
        _ort1 = new OrtRunner(onnx, 1, _input, [Batch, 3, 224, 224], ortOutput, [Batch, _plan.OutputWidth]);
        _ort2 = new OrtRunner(onnx, 2, _input, [Batch, 3, 224, 224], ortOutput, [Batch, _plan.OutputWidth]);
        _ort1.Run();
        _plan.PredictBatch(_input, _output, 1);
        BenchmarkData.AssertClose(ortOutput, _output, 1e-3, $"{Model} against ONNX Runtime");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _ort1.Dispose();
        _ort2.Dispose();
    }

    [Benchmark(Baseline = true)]
    public void NativeBn1Thread() => _plan.PredictBatch(_input, _output, 1);

    [Benchmark]
    public void NativeBn2Threads() => _plan.PredictBatch(_input, _output, 2);

    [Benchmark]
    public void OnnxRuntime1Thread() => _ort1.Run();

    [Benchmark]
    public void OnnxRuntime2Threads() => _ort2.Run();
}
