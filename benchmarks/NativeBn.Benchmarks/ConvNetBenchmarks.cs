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
/// The cases are declared so that BenchmarkDotNet runs each of NativeBn's next to ONNX Runtime's at the same thread
/// count: on a shared host a ratio drifts with the time between the two measurements.
/// </summary>
[MemoryDiagnoser]
public class ConvNetBenchmarks
{
    /// <summary>The folder holding the exported models.</summary>
    public const string Variable = "NATIVEBN_BENCHMARK_MODELS";

    private InferencePlan _plan = null!;
    private float[] _input = [], _output = [];
    private byte[] _onnx = [];
    private OrtRunner? _ort;

    [Params("resnet18", "mobilenet_v2")]
    public string Model { get; set; } = "";

    [Params(1, 8)]
    public int Batch { get; set; }

    public static bool IsAvailable => Folder is { } folder && File.Exists(Path.Combine(folder, "resnet18-224-opset13-bn.onnx"));

    /// <summary>The folder <see cref="Variable"/> names, or null when it is not set.</summary>
    public static string? Folder => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } folder ? folder : null;

    /// <summary>
    /// NativeBn's cases: the plan, checked against a one-thread ONNX Runtime session that is closed before the
    /// measurement. No ONNX Runtime session stays open in these processes: an idle two-thread session's pool thread
    /// spins on the second processor, and NativeBn's ResNet-18 on one thread took 62-66 ms beside it against 38-39 ms
    /// without it (2026-12-03).
    /// </summary>
    [GlobalSetup(Targets = [nameof(NativeBn1Thread), nameof(NativeBn2Threads)])]
    public void SetupNativeBn()
    {
        Load();
        var ortOutput = new float[_output.Length];
        using var check = new OrtRunner(_onnx, 1, _input, [Batch, 3, 224, 224], ortOutput, [Batch, _plan.OutputWidth]);
        Check(check, ortOutput);
    }

    /// <summary>ONNX Runtime's one-thread case: only its own session open, with its default settings.</summary>
    [GlobalSetup(Target = nameof(OnnxRuntime1Thread))]
    public void SetupOnnxRuntime1Thread() => SetupOnnxRuntime(1);

    /// <summary>ONNX Runtime's two-thread case: only its own session open, with its default settings.</summary>
    [GlobalSetup(Target = nameof(OnnxRuntime2Threads))]
    public void SetupOnnxRuntime2Threads() => SetupOnnxRuntime(2);

    [GlobalCleanup]
    public void Cleanup() => _ort?.Dispose();

    [Benchmark(Baseline = true)]
    public void NativeBn1Thread() => _plan.PredictBatch(_input, _output, 1);

    [Benchmark]
    public void OnnxRuntime1Thread() => _ort!.Run();

    [Benchmark]
    public void NativeBn2Threads() => _plan.PredictBatch(_input, _output, 2);

    [Benchmark]
    public void OnnxRuntime2Threads() => _ort!.Run();

    private void SetupOnnxRuntime(int threads)
    {
        Load();
        var ortOutput = new float[_output.Length];
        _ort = new OrtRunner(_onnx, threads, _input, [Batch, 3, 224, 224], ortOutput, [Batch, _plan.OutputWidth]);
        Check(_ort, ortOutput);
    }

    private void Load()
    {
        string path = Path.Combine(Folder!, $"{Model}-224-opset13-bn.onnx");
        _plan = InferencePlan.Build(OnnxImporter.Load(path), InferenceRegime.Folded);
        var random = new Random(Batch);
        _input = [.. Enumerable.Range(0, Batch * _plan.InputWidth).Select(_ => random.NextSingle() * 2 - 1)];
        _output = new float[Batch * _plan.OutputWidth];
        _onnx = File.ReadAllBytes(path);
    }

    /// <summary>Both engines' outputs on the benchmark's input agree.</summary>
    private void Check(OrtRunner ort, float[] ortOutput)
    {
        ort.Run();
        _plan.PredictBatch(_input, _output, 1);
        BenchmarkData.AssertClose(ortOutput, _output, 1e-3, $"{Model} against ONNX Runtime");
    }
}
