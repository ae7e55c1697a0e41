using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using NativeBn.Benchmarks.Peers;
using NativeBn.Kernels;

namespace NativeBn.Benchmarks;

/// <summary>
/// Generated constant-width kernels against the generic kernels (baseline) on the same data: batch-1 inference called
/// directly (as code that names its width does) next to a bare load-FMA-store loop of the same constant width;
/// batch-1 inference through a <see cref="WidthKernels"/> delegate (as the engine calls its row kernels, so the
/// ratio there decides which widths the engine keeps); and the training-forward pass (statistics + normalize) at N = 32, called directly.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class GeneratedVsGenericBenchmarks
{
    private static readonly WidthKernels s_generic = new(
        0, GenericKernels.Infer, GenericKernels.InferRelu, GenericKernels.Normalize, GenericKernels.InputGradient,
        GenericKernels.Statistics, GenericKernels.GradientSums);

    private WidthKernels _generated = s_generic;
    private float[] _x1 = [];
    private float[] _y1 = [];
    private float[] _x32 = [];
    private float[] _y32 = [];
    private float[] _scale = [];
    private float[] _shift = [];
    private float[] _meanFloat = [];
    private double[] _mean = [];
    private double[] _m2 = [];

    [Params(16, 32, 64, 128, 256, 512, 784, 1024)]
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
        if (!BenchmarkKernels.TryGetKernels(C, out WidthKernels? generated))
        {
            throw new InvalidOperationException($"no generated kernels for C = {C}");
        }

        _generated = generated;
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
            case 16: BenchmarkKernels.Infer16(_x1, _scale, _shift, _y1); break;
            case 32: BenchmarkKernels.Infer32(_x1, _scale, _shift, _y1); break;
            case 64: BenchmarkKernels.Infer64(_x1, _scale, _shift, _y1); break;
            case 128: BenchmarkKernels.Infer128(_x1, _scale, _shift, _y1); break;
            case 256: BenchmarkKernels.Infer256(_x1, _scale, _shift, _y1); break;
            case 512: BenchmarkKernels.Infer512(_x1, _scale, _shift, _y1); break;
            case 784: BenchmarkKernels.Infer784(_x1, _scale, _shift, _y1); break;
            default: BenchmarkKernels.Infer1024(_x1, _scale, _shift, _y1); break;
        }
    }

    [Benchmark(Description = "bare load-FMA-store N=1")]
    [BenchmarkCategory("infer-n1")]
    public void BareInfer()
    {
        switch (C)
        {
            case 16: FmaLimit.InferRow(_x1, _scale, _shift, _y1, 16); break;
            case 32: FmaLimit.InferRow(_x1, _scale, _shift, _y1, 32); break;
            case 64: FmaLimit.InferRow(_x1, _scale, _shift, _y1, 64); break;
            case 128: FmaLimit.InferRow(_x1, _scale, _shift, _y1, 128); break;
            case 256: FmaLimit.InferRow(_x1, _scale, _shift, _y1, 256); break;
            case 512: FmaLimit.InferRow(_x1, _scale, _shift, _y1, 512); break;
            case 784: FmaLimit.InferRow(_x1, _scale, _shift, _y1, 784); break;
            default: FmaLimit.InferRow(_x1, _scale, _shift, _y1, 1024); break;
        }
    }

    [Benchmark(Baseline = true, Description = "generic infer N=1, delegate")]
    [BenchmarkCategory("infer-n1-delegate")]
    public void GenericInferDelegate() => s_generic.Infer(_x1, _scale, _shift, _y1);

    [Benchmark(Description = "generated infer N=1, delegate")]
    [BenchmarkCategory("infer-n1-delegate")]
    public void GeneratedInferDelegate() => _generated.Infer(_x1, _scale, _shift, _y1);

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
            case 16: BenchmarkKernels.Statistics16(_x32, _mean, _m2); BenchmarkKernels.Normalize16(_x32, _meanFloat, _scale, _shift, _y32); break;
            case 32: BenchmarkKernels.Statistics32(_x32, _mean, _m2); BenchmarkKernels.Normalize32(_x32, _meanFloat, _scale, _shift, _y32); break;
            case 64: BenchmarkKernels.Statistics64(_x32, _mean, _m2); BenchmarkKernels.Normalize64(_x32, _meanFloat, _scale, _shift, _y32); break;
            case 128: BenchmarkKernels.Statistics128(_x32, _mean, _m2); BenchmarkKernels.Normalize128(_x32, _meanFloat, _scale, _shift, _y32); break;
            case 256: BenchmarkKernels.Statistics256(_x32, _mean, _m2); BenchmarkKernels.Normalize256(_x32, _meanFloat, _scale, _shift, _y32); break;
            case 512: BenchmarkKernels.Statistics512(_x32, _mean, _m2); BenchmarkKernels.Normalize512(_x32, _meanFloat, _scale, _shift, _y32); break;
            case 784: BenchmarkKernels.Statistics784(_x32, _mean, _m2); BenchmarkKernels.Normalize784(_x32, _meanFloat, _scale, _shift, _y32); break;
            default: BenchmarkKernels.Statistics1024(_x32, _mean, _m2); BenchmarkKernels.Normalize1024(_x32, _meanFloat, _scale, _shift, _y32); break;
        }
    }
}
