using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using NativeBn.Kernels;

namespace NativeBn.Benchmarks;

/// <summary>
/// Generated constant-width kernels against the generic kernels (baseline) on the same data:
/// batch-1 inference, and the training-forward pass (statistics + normalize) at N = 32. Generated kernels are called
/// directly, as code that names its width does (the engine reaches them through a <see cref="WidthKernels"/> delegate).
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class GeneratedVsGenericBenchmarks
{
    private float[] _x1 = [];
    private float[] _y1 = [];
    private float[] _x32 = [];
    private float[] _y32 = [];
    private float[] _scale = [];
    private float[] _shift = [];
    private float[] _meanFloat = [];
    private double[] _mean = [];
    private double[] _m2 = [];

    [Params(64, 256, 784, 1024)]
    public int C { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        float Next() => (float)(random.NextDouble() * 2 - 1);
        _x1 = [.. Enumerable.Range(0, C).Select(_ => Next())];
        _y1 = new float[C];
        _x32 = [.. Enumerable.Range(0, 32 * C).Select(_ => Next())];
        _y32 = new float[32 * C];
        _scale = [.. Enumerable.Range(0, C).Select(_ => 1 + Next() / 2)];
        _shift = [.. Enumerable.Range(0, C).Select(_ => Next())];
        _meanFloat = new float[C];
        _mean = new double[C];
        _m2 = new double[C];
    }

    [Benchmark(Baseline = true, Description = "generic infer N=1")]
    [BenchmarkCategory("infer-n1")]
    public void GenericInfer() => GenericKernels.Infer(_x1, _scale, _shift, _y1);

    [Benchmark(Description = "generated infer N=1")]
    [BenchmarkCategory("infer-n1")]
    public void GeneratedInfer()
    {
        switch (C)
        {
            case 64: BenchmarkKernels.Infer64(_x1, _scale, _shift, _y1); break;
            case 256: BenchmarkKernels.Infer256(_x1, _scale, _shift, _y1); break;
            case 784: BenchmarkKernels.Infer784(_x1, _scale, _shift, _y1); break;
            default: BenchmarkKernels.Infer1024(_x1, _scale, _shift, _y1); break;
        }
    }

    [Benchmark(Baseline = true, Description = "generic train fwd N=32")]
    [BenchmarkCategory("train-n32")]
    public void GenericTrainingForward()
    {
        GenericKernels.Statistics(_x32, _mean, _m2);
        GenericKernels.Normalize(_x32, _meanFloat, _scale, _shift, _y32);
    }

    [Benchmark(Description = "generated train fwd N=32")]
    [BenchmarkCategory("train-n32")]
    public void GeneratedTrainingForward()
    {
        switch (C)
        {
            case 64:
                BenchmarkKernels.Statistics64(_x32, _mean, _m2);
                BenchmarkKernels.Normalize64(_x32, _meanFloat, _scale, _shift, _y32);
                break;
            case 256:
                BenchmarkKernels.Statistics256(_x32, _mean, _m2);
                BenchmarkKernels.Normalize256(_x32, _meanFloat, _scale, _shift, _y32);
                break;
            case 784:
                BenchmarkKernels.Statistics784(_x32, _mean, _m2);
                BenchmarkKernels.Normalize784(_x32, _meanFloat, _scale, _shift, _y32);
                break;
            default:
                BenchmarkKernels.Statistics1024(_x32, _mean, _m2);
                BenchmarkKernels.Normalize1024(_x32, _meanFloat, _scale, _shift, _y32);
                break;
        }
    }
}
