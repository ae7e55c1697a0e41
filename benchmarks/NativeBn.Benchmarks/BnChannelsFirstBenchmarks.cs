using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using NativeBn.Benchmarks.Peers;
using NativeBn.Cli.Bench;
using NativeBn.Normalization;

namespace NativeBn.Benchmarks;

/// <summary>
/// BatchNorm on <c>[N, C, H, W]</c> (NCHW) at the shapes of CNN layers: ResNet's first stage at batch 32 (64 channels
/// of 56x56) and a late stage at batch 8 (256 channels of 14x14); inference with running statistics and the training
/// forward pass, NativeBn (the baseline of each category) against oneDNN with tag <c>nchw</c>, out of place on the
/// same two 64-byte-aligned buffers. (The other peers of <see cref="BnInferenceBenchmarks"/> are loops over
/// <c>[N, C]</c> only.)
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class BnChannelsFirstBenchmarks
{
    private BatchNorm _layer = null!;
    private TensorShape _shape;
    private AlignedFloats _x = null!, _y = null!;
    private OneDnnBatchNorm? _oneDnn;

    public static IEnumerable<BnCase> Cases => [new(32, 64, 2, 56, 56), new(8, 256, 2, 14, 14)];

    [ParamsSource(nameof(Cases))]
    public BnCase Case { get; set; } = null!;

    [GlobalSetup]
    public void Setup()
    {
        _layer = BenchmarkData.Layer(Case.C, Case.Threads);
        _shape = Case.Shape;
        _x = AlignedFloats.Random(Case.Values, 8);
        _y = new AlignedFloats(Case.Values);
        if (!OneDnnNative.IsAvailable)
        {
            return;
        }

        _oneDnn = new OneDnnBatchNorm(Case, (float)_layer.Options.Conventions.Epsilon, _x.Address, _y.Address, 0, 0);
        _layer.Gamma.CopyTo(_oneDnn.Scale);
        _layer.Beta.CopyTo(_oneDnn.Shift);
        for (int j = 0; j < Case.C; j++)
        {
            _oneDnn.Mean[j] = (float)_layer.RunningMean[j];
            _oneDnn.Variance[j] = (float)_layer.RunningVariance[j];
        }

        _layer.Infer(_x.Span, _shape, _y.Span);
        float[] expected = _y.Span.ToArray();
        _y.Span.Clear();
        _oneDnn.Infer();
        BenchmarkData.AssertClose(expected, _y.Span, 1e-5, "oneDNN inference (NCHW)");

        _layer.Forward(_x.Span, _shape, _y.Span, BatchNormMode.Training);
        expected = _y.Span.ToArray();
        _y.Span.Clear();
        _oneDnn.TrainForward();
        BenchmarkData.AssertClose(expected, _y.Span, 1e-4, "oneDNN training forward (NCHW)");
    }

    [GlobalCleanup]
    public void Cleanup() => _oneDnn?.Dispose();

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("inference")]
    public void NativeBnInfer() => _layer.Infer(_x.Span, _shape, _y.Span);

    [Benchmark]
    [BenchmarkCategory("inference")]
    public void OneDnnInfer() => _oneDnn!.Infer();

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("forward")]
    public void NativeBnForward() => _layer.Forward(_x.Span, _shape, _y.Span, BatchNormMode.Training);

    [Benchmark]
    [BenchmarkCategory("forward")]
    public void OneDnnForward() => _oneDnn!.TrainForward();
}
