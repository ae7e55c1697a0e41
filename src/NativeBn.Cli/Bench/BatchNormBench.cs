using NativeBn.Normalization;

namespace NativeBn.Cli.Bench;

/// <summary>
/// The BatchNorm cases of <c>nativebn bench</c>. Every case runs out of place on the same four buffers (input, output
/// gradient, output, input gradient), allocated once for the largest case, 64-byte aligned and touched before any
/// measurement, so that no case pays for page faults, a garbage collection or a different alignment than the others;
/// a smaller case uses the start of each buffer. The scalar loop is measured on the same buffers for the
/// <c>[N, C]</c> cases up to 4M values (larger ones would take the loop seconds per call).
/// </summary>
internal sealed class BatchNormBench
{
    private const int ScalarLoopLimit = 4096 * 1024;

    private readonly AlignedFloats _x, _dy, _y, _dx;

    /// <summary>Buffers for cases of up to <paramref name="values"/> values.</summary>
    public BatchNormBench(int values)
    {
        _x = AlignedFloats.Random(values, 1);
        _dy = AlignedFloats.Random(values, 2, -1, 1);
        _y = new AlignedFloats(values);
        _dx = new AlignedFloats(values);
    }

    /// <summary>Measures <paramref name="benchCase"/> (one of the <c>bn-</c> cases).</summary>
    public BenchEntry Run(BenchCase benchCase)
    {
        (int n, int c, int values) = (benchCase.N, benchCase.C, benchCase.Values);
        var layer = new BatchNorm(c, new BatchNormOptions { MaxThreads = benchCase.Threads });
        TensorShape shape = benchCase.ChannelsFirst ? TensorShape.ChannelsFirst(n, c, benchCase.H, benchCase.W) : TensorShape.Features(n, c);
        float[] gamma = layer.Gamma.ToArray(), beta = layer.Beta.ToArray(), scale = new float[c], shift = new float[c];
        layer.GetInferenceCoefficients(NormalizationStatistics.Running, scale, shift);
        var scalar = new ScalarBatchNorm(n, c, (float)layer.Options.Conventions.Epsilon);
        (Action engine, Action baseline) = benchCase.Name switch
        {
            "bn-infer" or "bn-infer-nchw" => ((Action)(() => layer.Infer(_x.Span[..values], shape, _y.Span[..values])),
                (Action)(() => scalar.Infer(_x.Span[..values], scale, shift, _y.Span[..values]))),
            "bn-train-fwd" or "bn-train-fwd-nchw" => (() => layer.Forward(_x.Span[..values], shape, _y.Span[..values], BatchNormMode.Training),
                () => scalar.TrainForward(_x.Span[..values], gamma, beta, _y.Span[..values])),
            "bn-train-fwdbwd" => (() =>
            {
                layer.Forward(_x.Span[..values], shape, _y.Span[..values], BatchNormMode.Training);
                layer.Backward(_x.Span[..values], _dy.Span[..values], shape, _dx.Span[..values]);
            }, () =>
            {
                scalar.TrainForward(_x.Span[..values], gamma, beta, _y.Span[..values]);
                scalar.Backward(_x.Span[..values], _dy.Span[..values], gamma, _dx.Span[..values]);
            }),
            _ => throw new ArgumentException($"Not a BatchNorm case: {benchCase.Name}.", nameof(benchCase)),
        };
        BenchTiming ours = BenchTimer.Measure(engine);
        BenchTiming? plain = !benchCase.ChannelsFirst && values <= ScalarLoopLimit ? BenchTimer.Measure(baseline) : null;
        return new BenchEntry(benchCase.Name, n, c, benchCase.Threads, ours.Median, plain?.Median, plain?.Median / ours.Median,
            benchCase.H, benchCase.W, ours.Min, ours.Max);
    }
}
