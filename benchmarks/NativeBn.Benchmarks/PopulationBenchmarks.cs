using BenchmarkDotNet.Attributes;
using NativeBn.Data;
using NativeBn.Datasets;
using NativeBn.Normalization;

namespace NativeBn.Benchmarks;

/// <summary>
/// One population-statistics pass over the MNIST training split (8,000 × 784 features): NativeBn's accumulator, fed
/// in batches of 256, against a plain two-pass double loop over the same values.
/// </summary>
[MemoryDiagnoser]
public class PopulationBenchmarks
{
    private const int Batch = 256;
    private Dataset _train = null!;
    private PopulationStatistics _statistics = null!;
    private double[] _mean = [], _variance = [];

    [GlobalSetup]
    public void Setup()
    {
        _train = MnistSample.LoadSplit().Train;
        _statistics = new PopulationStatistics(_train.Width) { MaxThreads = 1 };
        _mean = new double[_train.Width];
        _variance = new double[_train.Width];
    }

    [Benchmark(Baseline = true)]
    public long NativeBnPopulationPass()
    {
        _statistics.Reset();
        for (int start = 0; start < _train.Count; start += Batch)
        {
            int count = Math.Min(Batch, _train.Count - start);
            _statistics.Add(_train.Rows(start, count), TensorShape.Features(count, _train.Width));
        }

        return _statistics.Count;
    }

    [Benchmark]
    public double TwoPassDoubleLoop()
    {
        ReadOnlySpan<float> x = _train.Features;
        int width = _train.Width, count = _train.Count;
        Array.Clear(_mean);
        Array.Clear(_variance);
        for (int s = 0; s < count; s++)
        {
            for (int j = 0; j < width; j++)
            {
                _mean[j] += x[s * width + j];
            }
        }

        for (int j = 0; j < width; j++)
        {
            _mean[j] /= count;
        }

        for (int s = 0; s < count; s++)
        {
            for (int j = 0; j < width; j++)
            {
                double d = x[s * width + j] - _mean[j];
                _variance[j] += d * d;
            }
        }

        return _variance[0] / count;
    }
}
