using BenchmarkDotNet.Attributes;
using NativeBn.Benchmarks.Peers;
using NativeBn.Cli.Bench;
using NativeBn.Interop.Onnx;
using NativeBn.Normalization;

namespace NativeBn.Benchmarks;

/// <summary>
/// BatchNorm inference <c>y = x·scale + shift</c> on <c>[N, C]</c> with running statistics. NativeBn is the baseline;
/// a ratio of 25 for a peer means NativeBn is 25 times faster. NativeBn, oneDNN, TensorPrimitives, the scalar and the
/// bare FMA loop run out of place on the same two 64-byte-aligned buffers (ONNX Runtime on its own copies).
/// </summary>
[MemoryDiagnoser]
public class BnInferenceBenchmarks
{
    private BatchNorm _layer = null!;
    private TensorShape _shape;
    private AlignedFloats _x = null!, _y = null!;
    private float[] _scale = [], _shift = [];
    private OneDnnBatchNorm? _oneDnn;
    private OrtRunner _ort1 = null!, _ort2 = null!;
    private TensorPrimitivesBatchNorm _tensorPrimitives = null!;
    private ScalarBatchNorm _scalar = null!;

    public static IEnumerable<BnCase> Cases => BnCase.AtLeastMinimumN(
    [
        new(1, 64, 1), new(1, 256, 1), new(1, 1024, 1),
        new(32, 64, 1), new(32, 256, 1), new(32, 1024, 1),
        new(4096, 1024, 2), new(16384, 1024, 2),
    ]);

    [ParamsSource(nameof(Cases))]
    public BnCase Case { get; set; } = null!;

    [GlobalSetup]
    public void Setup()
    {
        (int n, int c) = (Case.N, Case.C);
        _layer = BenchmarkData.Layer(c, Case.Threads);
        _shape = TensorShape.Features(n, c);
        _x = AlignedFloats.Random(n * c, 5);
        _y = new AlignedFloats(n * c);
        _scale = new float[c];
        _shift = new float[c];
        _layer.GetInferenceCoefficients(NormalizationStatistics.Running, _scale, _shift);
        _layer.Infer(_x.Span, _shape, _y.Span);
        float[] expected = _y.Span.ToArray();
        float epsilon = (float)_layer.Options.Conventions.Epsilon;

        if (OneDnnNative.IsAvailable)
        {
            _oneDnn = new OneDnnBatchNorm(Case, epsilon, _x.Address, _y.Address, 0, 0);
            _layer.Gamma.CopyTo(_oneDnn.Scale);
            _layer.Beta.CopyTo(_oneDnn.Shift);
            for (int j = 0; j < c; j++)
            {
                _oneDnn.Mean[j] = (float)_layer.RunningMean[j];
                _oneDnn.Variance[j] = (float)_layer.RunningVariance[j];
            }

            _y.Span.Clear();
            _oneDnn.Infer();
            BenchmarkData.AssertClose(expected, _y.Span, 1e-5, "oneDNN");
        }

        byte[] onnx = OnnxExporter.ExportBatchNorm(_layer);
        var ortOutput = new float[n * c];
        float[] ortInput = _x.Span.ToArray();
        _ort1 = new OrtRunner(onnx, 1, ortInput, [n, c], ortOutput, [n, c]);
        _ort2 = new OrtRunner(onnx, 2, ortInput, [n, c], ortOutput, [n, c]);
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
    public void NativeBnInfer() => _layer.Infer(_x.Span, _shape, _y.Span);

    [Benchmark]
    public void OneDnn() => _oneDnn!.Infer();

    [Benchmark]
    public void OnnxRuntime1Thread() => _ort1.Run();

    [Benchmark]
    public void OnnxRuntime2Threads() => _ort2.Run();

    [Benchmark]
    public void TensorPrimitivesComposed() => _tensorPrimitives.Infer(_x.Span, _scale, _shift, _y.Span);

    [Benchmark]
    public void ScalarLoop() => _scalar.Infer(_x.Span, _scale, _shift, _y.Span);

    [Benchmark]
    public void FmaLoopLimit() => FmaLimit.Infer(_x.Span, _scale, _shift, _y.Span, Case.N, Case.C);
}
