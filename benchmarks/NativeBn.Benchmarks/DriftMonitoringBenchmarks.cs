using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using NativeBn.Data;
using NativeBn.Datasets;
using NativeBn.Hosting;
using NativeBn.Model;
using NativeBn.Network;
using NativeBn.Serialization;

namespace NativeBn.Benchmarks;

/// <summary>
/// The cost of live drift monitoring: <see cref="IModelHandle.Predict"/> of one sample with monitoring on (the defaults:
/// 1 in 16 predictions sampled, a window of 512) against the same model served with it off, in the Population regime;
/// and with every prediction sampled, which shows the cost of one sampled prediction sixteen times as large as it
/// weighs at the default (less noisy on a shared machine than the small difference of the default).
/// "mlp" is the demo's shape (784 → Dense 64 → BatchNorm → ReLU → Dense 10 → softmax) calibrated on the embedded
/// MNIST sample; "cnn" a small convolutional network on 3x32x32 images (conv 16 → BatchNorm → ReLU → max pool →
/// conv 32 → BatchNorm → ReLU → global average pool → Dense 10). Predictions cycle through 64 different samples.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class DriftMonitoringBenchmarks
{
    private ServiceProvider _on = null!, _off = null!, _every = null!;
    private IModelHandle _monitored = null!, _plain = null!, _everyPrediction = null!;
    private float[][] _samples = [];
    private float[] _output = [];
    private int _next;

    [Params("mlp", "cnn")]
    public string Model { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        (ModelDescription model, Dataset data) = Model == "mlp" ? Mlp() : Cnn();
        byte[] bytes = ModelFile.Serialize(PopulationRecalibration.Run(model, data));
        _on = Serve(bytes, monitoring: true, sampleEvery: 16);
        _off = Serve(bytes, monitoring: false, sampleEvery: 16);
        _every = Serve(bytes, monitoring: true, sampleEvery: 1);
        _everyPrediction = _every.GetRequiredService<INativeBnModels>().Get("m");
        _monitored = _on.GetRequiredService<INativeBnModels>().Get("m");
        _plain = _off.GetRequiredService<INativeBnModels>().Get("m");
        _samples = [.. Enumerable.Range(0, 64).Select(i => data.Sample(i).ToArray())];
        _output = new float[_plain.Current.Plan.OutputWidth];
        var expected = new float[_output.Length];
        _plain.Predict(_samples[0], expected);
        _monitored.Predict(_samples[0], _output);
        BenchmarkData.AssertClose(expected, _output, 0, "monitoring on against off");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _on.Dispose();
        _off.Dispose();
        _every.Dispose();
    }

    [Benchmark(Baseline = true)]
    public void MonitoringOff() => _plain.Predict(NextSample(), _output);

    [Benchmark]
    public void MonitoringOn() => _monitored.Predict(NextSample(), _output);

    [Benchmark]
    public void MonitoringEveryPrediction() => _everyPrediction.Predict(NextSample(), _output);

    private float[] NextSample() => _samples[_next++ & 63];

    private static ServiceProvider Serve(byte[] model, bool monitoring, int sampleEvery)
    {
        var services = new ServiceCollection();
        services.AddNativeBn(o =>
        {
            NativeBnModelOptions options = o.AddStream("m", () => new MemoryStream(model));
            options.Regime = InferenceRegime.Population;
            options.DriftMonitoring = monitoring;
            options.DriftSampleEvery = sampleEvery;
        });
        return services.BuildServiceProvider();
    }

    private static (ModelDescription, Dataset) Mlp()
    {
        (Dataset train, _) = MnistSample.LoadSplit();
        return (new SequentialBuilder(784, 1).Dense(64).BatchNorm().Relu().Dense(10).Softmax().Describe(), train);
    }

    private static (ModelDescription, Dataset) Cnn()
    {
        const int Width = 3 * 32 * 32;
        var random = new Random(2);
        float[] images = [.. Enumerable.Range(0, 256 * Width).Select(_ => random.NextSingle() * 2 - 1)];
        ModelDescription model = new SequentialBuilder(3, 32, 32, 1).Conv2d(16, 3).BatchNorm().Relu().Pool(2)
            .Conv2d(32, 3).BatchNorm().Relu().GlobalAveragePool().Flatten().Dense(10).Describe();
        return (model, Dataset.Unlabeled(images, Width));
    }
}
