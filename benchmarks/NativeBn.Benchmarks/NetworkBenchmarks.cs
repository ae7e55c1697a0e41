using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using NativeBn.Benchmarks.Peers;
using NativeBn.Data;
using NativeBn.Datasets;
using NativeBn.Interop.Onnx;
using NativeBn.Network;
using NativeBn.Normalization;

namespace NativeBn.Benchmarks;

/// <summary>
/// The demo network (784 → Dense 64 → BatchNorm → ReLU → Dense 10, trained briefly on the embedded MNIST sample):
/// single-sample prediction against ONNX Runtime on the same exported model, and a training step at batch 32.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class NetworkBenchmarks
{
    private Sequential _model = null!;
    private float[] _sample = [], _probabilities = new float[10], _batch = [];
    private int[] _labels = [];
    private Adam _adam = null!;
    private OrtRunner? _ort;

    /// <summary>
    /// NativeBn's cases: the trained model and its sample. No ONNX Runtime session is open in these processes: an idle
    /// two-thread session's pool thread spins on a second processor and slows whatever runs beside it.
    /// </summary>
    [GlobalSetup]
    public void Setup()
    {
        var (train, test) = MnistSample.LoadSplit();
        _model = new Sequential(
            ArchitectureText.Build("dense:64,batchnorm,relu,dense,softmax", 784, 10, new BatchNormOptions { MaxThreads = 1 }, seed: 1), 256, seed: 1);
        new Trainer(_model, new Adam(), 32, 1).Epoch(train, 0, maxSteps: 100);
        PopulationRecalibration.Run(_model, train);
        _sample = test.Sample(0).ToArray();
        _batch = train.Rows(0, 32).ToArray();
        _labels = train.Labels[..32].ToArray();
        _adam = new Adam();
        _model.TrainStep(_batch, _labels, _adam);
    }

    /// <summary>ONNX Runtime's one-thread case: only its own session open, checked against NativeBn.</summary>
    [GlobalSetup(Target = nameof(OnnxRuntime1Thread))]
    public void SetupOnnxRuntime1Thread() => SetupOnnxRuntime(1);

    /// <summary>ONNX Runtime's two-thread case: only its own session open, checked against NativeBn.</summary>
    [GlobalSetup(Target = nameof(OnnxRuntime2Threads))]
    public void SetupOnnxRuntime2Threads() => SetupOnnxRuntime(2);

    [GlobalCleanup]
    public void Cleanup() => _ort?.Dispose();

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("predict N=1")]
    public void NativeBnPredict() => _model.Predict(_sample, _probabilities, InferenceRegime.Population);

    [Benchmark]
    [BenchmarkCategory("predict N=1")]
    public void NativeBnPredictFolded() => _model.Predict(_sample, _probabilities, InferenceRegime.Folded);

    [Benchmark]
    [BenchmarkCategory("predict N=1")]
    public void OnnxRuntime1Thread() => _ort!.Run();

    [Benchmark]
    [BenchmarkCategory("predict N=1")]
    public void OnnxRuntime2Threads() => _ort!.Run();

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("train step N=32")]
    public float NativeBnTrainStep() => _model.TrainStep(_batch, _labels, _adam);

    private void SetupOnnxRuntime(int threads)
    {
        Setup();
        _model.Predict(_sample, _probabilities, InferenceRegime.Population);
        byte[] onnx = OnnxExporter.Export(_model.ToDescription(), NormalizationStatistics.Population);
        var ortOutput = new float[10];
        _ort = new OrtRunner(onnx, threads, _sample, [1, 784], ortOutput, [1, 10]);
        _ort.Run();
        BenchmarkData.AssertClose(_probabilities, ortOutput, 1e-5, "ONNX Runtime");
    }
}
