using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using NativeBn.Benchmarks.Peers;
using NativeBn.Cli.Bench;
using NativeBn.Normalization;

namespace NativeBn.Benchmarks;

/// <summary>
/// BatchNorm training on <c>[N, C]</c>: the forward pass with batch statistics, and forward plus backward.
/// NativeBn is the baseline of each category. NativeBn, oneDNN, TensorPrimitives and the scalar loop run out of place
/// on the same four 64-byte-aligned buffers.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class BnTrainingBenchmarks
{
    private BatchNorm _layer = null!;
    private TensorShape _shape;
    private AlignedFloats _x = null!, _y = null!, _dy = null!, _dx = null!;
    private float[] _gamma = [], _beta = [];
    private OneDnnBatchNorm? _oneDnn;
    private TensorPrimitivesBatchNorm _tensorPrimitives = null!;
    private ScalarBatchNorm _scalar = null!;

    public static IEnumerable<BnCase> Cases => BnCase.AtLeastMinimumN([new(32, 256, 1), new(4096, 1024, 2), new(16384, 1024, 2)]);

    [ParamsSource(nameof(Cases))]
    public BnCase Case { get; set; } = null!;

    [GlobalSetup]
    public void Setup()
    {
        (int n, int c) = (Case.N, Case.C);
        _layer = BenchmarkData.Layer(c, Case.Threads);
        _shape = TensorShape.Features(n, c);
        _x = AlignedFloats.Random(n * c, 6);
        _dy = AlignedFloats.Random(n * c, 7);
        _y = new AlignedFloats(n * c);
        _dx = new AlignedFloats(n * c);
        _gamma = _layer.Gamma.ToArray();
        _beta = _layer.Beta.ToArray();
        float epsilon = (float)_layer.Options.Conventions.Epsilon;
        _layer.Forward(_x.Span, _shape, _y.Span, BatchNormMode.Training);
        _layer.Backward(_x.Span, _dy.Span, _shape, _dx.Span);
        float[] y = _y.Span.ToArray(), dx = _dx.Span.ToArray();

        if (OneDnnNative.IsAvailable)
        {
            _oneDnn = new OneDnnBatchNorm(Case, epsilon, _x.Address, _y.Address, _dy.Address, _dx.Address);
            _gamma.CopyTo(_oneDnn.Scale);
            _beta.CopyTo(_oneDnn.Shift);
            _y.Span.Clear();
            _dx.Span.Clear();
            _oneDnn.TrainForwardBackward();
            BenchmarkData.AssertClose(y, _y.Span, 1e-4, "oneDNN forward");
            BenchmarkData.AssertClose(dx, _dx.Span, 1e-3, "oneDNN backward");
        }

        _tensorPrimitives = new TensorPrimitivesBatchNorm(n, c, epsilon);
        _tensorPrimitives.TrainForward(_x.Span, _gamma, _beta, _y.Span);
        BenchmarkData.AssertClose(y, _y.Span, 1e-3, "TensorPrimitives forward");
        _tensorPrimitives.Backward(_x.Span, _dy.Span, _gamma, _dx.Span);
        BenchmarkData.AssertClose(dx, _dx.Span, 1e-2, "TensorPrimitives backward");
        _scalar = new ScalarBatchNorm(n, c, epsilon);
        _scalar.TrainForward(_x.Span, _gamma, _beta, _y.Span);
        BenchmarkData.AssertClose(y, _y.Span, 1e-4, "scalar forward");
        _scalar.Backward(_x.Span, _dy.Span, _gamma, _dx.Span);
        BenchmarkData.AssertClose(dx, _dx.Span, 1e-3, "scalar backward");
    }

    [GlobalCleanup]
    public void Cleanup() => _oneDnn?.Dispose();

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("forward")]
    public void NativeBnForward() => _layer.Forward(_x.Span, _shape, _y.Span, BatchNormMode.Training);

    [Benchmark]
    [BenchmarkCategory("forward")]
    public void OneDnnForward() => _oneDnn!.TrainForward();

    [Benchmark]
    [BenchmarkCategory("forward")]
    public void TensorPrimitivesForward() => _tensorPrimitives.TrainForward(_x.Span, _gamma, _beta, _y.Span);

    [Benchmark]
    [BenchmarkCategory("forward")]
    public void ScalarLoopForward() => _scalar.TrainForward(_x.Span, _gamma, _beta, _y.Span);

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("forward+backward")]
    public void NativeBnForwardBackward()
    {
        _layer.Forward(_x.Span, _shape, _y.Span, BatchNormMode.Training);
        _layer.Backward(_x.Span, _dy.Span, _shape, _dx.Span);
    }

    [Benchmark]
    [BenchmarkCategory("forward+backward")]
    public void OneDnnForwardBackward() => _oneDnn!.TrainForwardBackward();

    [Benchmark]
    [BenchmarkCategory("forward+backward")]
    public void TensorPrimitivesForwardBackward()
    {
        _tensorPrimitives.TrainForward(_x.Span, _gamma, _beta, _y.Span);
        _tensorPrimitives.Backward(_x.Span, _dy.Span, _gamma, _dx.Span);
    }

    [Benchmark]
    [BenchmarkCategory("forward+backward")]
    public void ScalarLoopForwardBackward()
    {
        _scalar.TrainForward(_x.Span, _gamma, _beta, _y.Span);
        _scalar.Backward(_x.Span, _dy.Span, _gamma, _dx.Span);
    }
}
