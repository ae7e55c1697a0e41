using BenchmarkDotNet.Attributes;
using NativeBn.Data;
using NativeBn.Datasets;
using NativeBn.Network;
using NativeBn.Normalization;

namespace NativeBn.Benchmarks;

/// <summary>
/// One training step (forward with batch statistics, softmax cross-entropy, backward, Adam update) of the demo CNN
/// (the CLI's <c>MismatchDemo.CnnArchitecture</c> without dropout) on <c>[N, 1, 28, 28]</c> embedded MNIST digits, the
/// digits at indices <c>i · (10000 / N)</c>. Its PyTorch peer, benchmarks/pytorch/train_step.py, times the same step on
/// the same digits; benchmarks/cnn-training.sh runs both and prints the ratios. <see cref="Threads"/> is the model's
/// <see cref="BatchNormOptions.MaxThreads"/>: the BatchNorm layers' threads and those the convolution and pooling
/// layers share samples among (ReLU, the dense layer and Adam run on the calling thread).
/// </summary>
[MemoryDiagnoser]
public class CnnTrainingBenchmarks
{
    /// <summary>The demo CNN's architecture text.</summary>
    public const string Architecture = "conv:8:3,batchnorm,relu,maxpool:2,conv:16:3,batchnorm,relu,maxpool:2,flatten,dense,softmax";

    private Sequential _model = null!;
    private Adam _adam = null!;
    private float[] _images = [];
    private int[] _labels = [];

    [Params(32, 128)]
    public int Batch { get; set; }

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        Dataset digits = MnistSample.Load();
        int stride = digits.Count / Batch;
        _images = new float[Batch * digits.Width];
        _labels = new int[Batch];
        for (int i = 0; i < Batch; i++)
        {
            digits.Sample(i * stride).CopyTo(_images.AsSpan(i * digits.Width));
            _labels[i] = digits.Labels[i * stride];
        }

        var options = new BatchNormOptions { MaxThreads = Threads };
        _model = new Sequential(ArchitectureText.Build(Architecture, 1, MnistSample.Side, MnistSample.Side, 10, options, seed: 1), Batch, seed: 1, options);
        _adam = new Adam(1e-3);
        _model.TrainStep(_images, _labels, _adam);
    }

    [Benchmark]
    public float TrainStep() => _model.TrainStep(_images, _labels, _adam);
}
