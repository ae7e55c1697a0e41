using BenchmarkDotNet.Attributes;
using NativeBn.Benchmarks.Peers;
using NativeBn.Cli.Bench;
using NativeBn.Interop.Onnx;
using NativeBn.Normalization;

namespace NativeBn.Benchmarks;

/// <summary>
/// BatchNorm inference <c>y = x·scale + shift</c> on <c>[N, C]</c> with running statistics. NativeBn is the baseline;
/// a ratio of 25 for a peer means NativeBn is 25 times faster.
/// </summary>
[MemoryDiagnoser]
public class BnInferenceBenchmarks
{
    private BatchNorm _layer = null!;
    private TensorShape _shape;
    private float[] _x = [], _y = [], _scale = [], _shift = [];
    private OneDnnBatchNorm? _oneDnn;
    private OrtRunner _ort1 = null!, _ort2 = null!;
    private TensorPrimitivesBatchNorm _tensorPrimitives = null!;
    private ScalarBatchNorm _scalar = null!;

    public static IEnumerable<BnCase> Cases =>
    [
        new(1, 64, 1), new(1, 256, 1), new(1, 1024, 1),
        new(32, 64, 1), new(32, 256, 1), new(32, 1024, 1),
        new(4096, 1024, 2),
    ];

    [ParamsSource(nameof(Cases))]
    public BnCase Case { get; set; } = null!;

    [GlobalSetup]
    public void Setup()
    {
        (int n, int c) = (Case.N, Case.C);
        _layer = BenchmarkData.Layer(c, Case.Threads);
        _shape = TensorShape.Features(n, c);
        _x = BenchmarkData.Random(n * c, 5);
        _y = new float[n * c];
        _scale = new float[c];
        _shift = new float[c];
        _layer.GetInferenceCoefficients(NormalizationStatistics.Running, _scale, _shift);
        _layer.Infer(_x, _shape, _y);
        float[] expected = (float[])_y.Clone();
        float epsilon = (float)_layer.Options.Conventions.Epsilon;

        if (OneDnnNative.IsAvailable)
        {
            _oneDnn = new OneDnnBatchNorm(n, c, epsilon, Case.Threads);
            _x.CopyTo(_oneDnn.X);
            _layer.Gamma.CopyTo(_oneDnn.Scale);
            _layer.Beta.CopyTo(_oneDnn.Shift);
            for (int j = 0; j < c; j++)
            {
                _oneDnn.Mean[j] = (float)_layer.RunningMean[j];
                _oneDnn.Variance[j] = (float)_layer.RunningVariance[j];
            }

            _oneDnn.Infer();
            BenchmarkData.AssertClose(expected, _oneDnn.Y, 1e-5, "oneDNN");
        }

        byte[] onnx = OnnxExporter.ExportBatchNorm(_layer);
        var ortOutput = new float[n * c];
        _ort1 = new OrtRunner(onnx, 1, _x, [n, c], ortOutput, [n, c]);
        _ort2 = new OrtRunner(onnx, 2, _x, [n, c], ortOutput, [n, c]);
        _ort1.Run();
        BenchmarkData.AssertClose(expected, ortOutput, 1e-5, "ONNX Runtime");
        _tensorPrimitives = new TensorPrimitivesBatchNorm(n, c, epsilon);
        _scalar = new ScalarBatchNorm(n, c, epsilon);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _oneDnn?.Dispose();
        _ort1.Dispose();
        _ort2.Dispose();
    }

    [Benchmark(Baseline = true)]
    public void NativeBnInfer() => _layer.Infer(_x, _shape, _y);

    [Benchmark]
    public void OneDnn() => _oneDnn!.Infer();

    [Benchmark]
    public void OnnxRuntime1Thread() => _ort1.Run();

    [Benchmark]
    public void OnnxRuntime2Threads() => _ort2.Run();

    [Benchmark]
    public void TensorPrimitivesComposed() => _tensorPrimitives.Infer(_x, _scale, _shift, _y);

    [Benchmark]
    public void ScalarLoop() => _scalar.Infer(_x, _scale, _shift, _y);

    [Benchmark]
    public void FmaLoopLimit() => FmaLimit.Infer(_x, _scale, _shift, _y, Case.N, Case.C);
}
