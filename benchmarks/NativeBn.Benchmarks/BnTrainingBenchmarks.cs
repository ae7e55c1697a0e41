using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using NativeBn.Benchmarks.Peers;
using NativeBn.Cli.Bench;
using NativeBn.Normalization;

namespace NativeBn.Benchmarks;

/// <summary>
/// BatchNorm training on <c>[N, C]</c>: the forward pass with batch statistics, and forward plus backward.
/// NativeBn is the baseline of each category.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class BnTrainingBenchmarks
{
    private BatchNorm _layer = null!;
    private TensorShape _shape;
    private float[] _x = [], _y = [], _dy = [], _dx = [], _gamma = [], _beta = [];
    private OneDnnBatchNorm? _oneDnn;
    private TensorPrimitivesBatchNorm _tensorPrimitives = null!;
    private ScalarBatchNorm _scalar = null!;

    public static IEnumerable<BnCase> Cases => [new(32, 256, 1), new(4096, 1024, 2)];

    [ParamsSource(nameof(Cases))]
    public BnCase Case { get; set; } = null!;

    [GlobalSetup]
    public void Setup()
    {
        (int n, int c) = (Case.N, Case.C);
        _layer = BenchmarkData.Layer(c, Case.Threads);
        _shape = TensorShape.Features(n, c);
        _x = BenchmarkData.Random(n * c, 6);
        _dy = BenchmarkData.Random(n * c, 7);
        _y = new float[n * c];
        _dx = new float[n * c];
        _gamma = _layer.Gamma.ToArray();
        _beta = _layer.Beta.ToArray();
        float epsilon = (float)_layer.Options.Conventions.Epsilon;
        _layer.Forward(_x, _shape, _y, BatchNormMode.Training);
        _layer.Backward(_x, _dy, _shape, _dx);
        float[] y = (float[])_y.Clone(), dx = (float[])_dx.Clone();

        if (OneDnnNative.IsAvailable)
        {
            _oneDnn = new OneDnnBatchNorm(n, c, epsilon, Case.Threads);
            _x.CopyTo(_oneDnn.X);
            _dy.CopyTo(_oneDnn.Dy);
            _gamma.CopyTo(_oneDnn.Scale);
            _beta.CopyTo(_oneDnn.Shift);
            _oneDnn.TrainForwardBackward();
            BenchmarkData.AssertClose(y, _oneDnn.Y, 1e-4, "oneDNN forward");
            BenchmarkData.AssertClose(dx, _oneDnn.Dx, 1e-3, "oneDNN backward");
        }

        _tensorPrimitives = new TensorPrimitivesBatchNorm(n, c, epsilon);
        _tensorPrimitives.TrainForward(_x, _gamma, _beta, _y);
        BenchmarkData.AssertClose(y, _y, 1e-3, "TensorPrimitives forward");
        _tensorPrimitives.Backward(_x, _dy, _gamma, _dx);
        BenchmarkData.AssertClose(dx, _dx, 1e-2, "TensorPrimitives backward");
        _scalar = new ScalarBatchNorm(n, c, epsilon);
        _scalar.TrainForward(_x, _gamma, _beta, _y);
        BenchmarkData.AssertClose(y, _y, 1e-4, "scalar forward");
        _scalar.Backward(_x, _dy, _gamma, _dx);
        BenchmarkData.AssertClose(dx, _dx, 1e-3, "scalar backward");
    }

    [GlobalCleanup]
    public void Cleanup() => _oneDnn?.Dispose();

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("forward")]
    public void NativeBnForward() => _layer.Forward(_x, _shape, _y, BatchNormMode.Training);

    [Benchmark]
    [BenchmarkCategory("forward")]
    public void OneDnnForward() => _oneDnn!.TrainForward();

    [Benchmark]
    [BenchmarkCategory("forward")]
    public void TensorPrimitivesForward() => _tensorPrimitives.TrainForward(_x, _gamma, _beta, _y);

    [Benchmark]
    [BenchmarkCategory("forward")]
    public void ScalarLoopForward() => _scalar.TrainForward(_x, _gamma, _beta, _y);

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("forward+backward")]
    public void NativeBnForwardBackward()
    {
        _layer.Forward(_x, _shape, _y, BatchNormMode.Training);
        _layer.Backward(_x, _dy, _shape, _dx);
    }

    [Benchmark]
    [BenchmarkCategory("forward+backward")]
    public void OneDnnForwardBackward() => _oneDnn!.TrainForwardBackward();

    [Benchmark]
    [BenchmarkCategory("forward+backward")]
    public void TensorPrimitivesForwardBackward()
    {
        _tensorPrimitives.TrainForward(_x, _gamma, _beta, _y);
        _tensorPrimitives.Backward(_x, _dy, _gamma, _dx);
    }

    [Benchmark]
    [BenchmarkCategory("forward+backward")]
    public void ScalarLoopForwardBackward()
    {
        _scalar.TrainForward(_x, _gamma, _beta, _y);
        _scalar.Backward(_x, _dy, _gamma, _dx);
    }
}
