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
    private AlignedFloats _scale = null!, _shift = null!;
    private OneDnnBatchNorm? _oneDnn;
    private OrtRunner? _ort;
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

    /// <summary>
    /// Every case but ONNX Runtime's: the layer, the buffers and oneDNN on them, checked against NativeBn. No ONNX
    /// Runtime session is open in these processes: an idle two-thread session's pool thread spins on a second
    /// processor and slows whatever runs beside it.
    /// </summary>
    [GlobalSetup]
    public void Setup()
    {
        float[] expected = Prepare();
        if (OneDnnNative.IsAvailable)
        {
            _oneDnn = new OneDnnBatchNorm(Case, Epsilon, _x.Address, _y.Address, 0, 0);
            _layer.Gamma.CopyTo(_oneDnn.Scale);
            _layer.Beta.CopyTo(_oneDnn.Shift);
            for (int j = 0; j < Case.C; j++)
            {
                _oneDnn.Mean[j] = (float)_layer.RunningMean[j];
                _oneDnn.Variance[j] = (float)_layer.RunningVariance[j];
            }

            _y.Span.Clear();
            _oneDnn.Infer();
            BenchmarkData.AssertClose(expected, _y.Span, 1e-5, "oneDNN");
        }

        _tensorPrimitives = new TensorPrimitivesBatchNorm(Case.N, Case.C, Epsilon);
        _scalar = new ScalarBatchNorm(Case.N, Case.C, Epsilon);
    }

    /// <summary>ONNX Runtime's one-thread case: only its own session open, checked against NativeBn.</summary>
    [GlobalSetup(Target = nameof(OnnxRuntime1Thread))]
    public void SetupOnnxRuntime1Thread() => SetupOnnxRuntime(1);

    /// <summary>ONNX Runtime's two-thread case: only its own session open, checked against NativeBn.</summary>
    [GlobalSetup(Target = nameof(OnnxRuntime2Threads))]
    public void SetupOnnxRuntime2Threads() => SetupOnnxRuntime(2);

    [GlobalCleanup]
    public void Cleanup()
    {
        _oneDnn?.Dispose();
        _ort?.Dispose();
    }

    [Benchmark(Baseline = true)]
    public void NativeBnInfer() => _layer.Infer(_x.Span, _shape, _y.Span);

    [Benchmark]
    public void OneDnn() => _oneDnn!.Infer();

    [Benchmark]
    public void OnnxRuntime1Thread() => _ort!.Run();

    [Benchmark]
    public void OnnxRuntime2Threads() => _ort!.Run();

    [Benchmark]
    public void TensorPrimitivesComposed() => _tensorPrimitives.Infer(_x.Span, _scale.Span, _shift.Span, _y.Span);

    [Benchmark]
    public void ScalarLoop() => _scalar.Infer(_x.Span, _scale.Span, _shift.Span, _y.Span);

    [Benchmark]
    public void FmaLoopLimit() => FmaLimit.Infer(_x.Span, _scale.Span, _shift.Span, _y.Span, Case.N, Case.C);

    private float Epsilon => (float)_layer.Options.Conventions.Epsilon;

    /// <summary>The layer, the input and output buffers and the coefficients; returns NativeBn's output.</summary>
    private float[] Prepare()
    {
        (int n, int c) = (Case.N, Case.C);
        _layer = BenchmarkData.Layer(c, Case.Threads);
        _shape = TensorShape.Features(n, c);
        _x = AlignedFloats.Random(n * c, 5);
        _y = new AlignedFloats(n * c);
        _scale = new AlignedFloats(c);
        _shift = new AlignedFloats(c);
        _layer.GetInferenceCoefficients(NormalizationStatistics.Running, _scale.Span, _shift.Span);
        _layer.Infer(_x.Span, _shape, _y.Span);
        return _y.Span.ToArray();
    }

    private void SetupOnnxRuntime(int threads)
    {
        float[] expected = Prepare();
        byte[] onnx = OnnxExporter.ExportBatchNorm(_layer);
        var ortOutput = new float[Case.N * Case.C];
        _ort = new OrtRunner(onnx, threads, _x.Span.ToArray(), [Case.N, Case.C], ortOutput, [Case.N, Case.C]);
        _ort.Run();
        BenchmarkData.AssertClose(expected, ortOutput, 1e-5, "ONNX Runtime");
    }
}
