using NativeBn.Model;
using NativeBn.Model.Nodes;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using NativeBn.Datasets;
using NativeBn.Interop.Onnx;
using NativeBn.Network;
using NativeBn.Normalization;

namespace NativeBn.Interop.Tests;

/// <summary>The same ONNX models in ONNX Runtime (an independent implementation) and in NativeBn.</summary>
public class OnnxRuntimeComparisonTests
{
    private static float[] RunOrt(byte[] onnx, string input, float[] x, int[] shape)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1 };
        using var session = new InferenceSession(onnx, options);
        var tensor = new DenseTensor<float>(x, shape);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(input, tensor)]);
        return [.. results.First().AsEnumerable<float>()];
    }

    private static void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double tolerance = 1e-5 * Math.Max(1, Math.Abs(expected[i]));
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"{what}[{i}]: ONNX Runtime {expected[i]:R}, NativeBn {actual[i]:R}");
        }
    }

    private static BatchNorm RandomLayer(int channels, int seed)
    {
        var random = new Random(seed);
        float Next(double low, double high) => (float)(low + (high - low) * random.NextDouble());
        var layer = new BatchNorm(channels, new BatchNormOptions { Conventions = BatchNormConventions.Onnx, MaxThreads = 1 });
        layer.SetParameters([.. Enumerable.Range(0, channels).Select(_ => Next(0.5, 2))], [.. Enumerable.Range(0, channels).Select(_ => Next(-1, 1))]);
        layer.SetRunningStatistics([.. Enumerable.Range(0, channels).Select(_ => (double)Next(-2, 2))], [.. Enumerable.Range(0, channels).Select(_ => (double)Next(0.1, 4))]);
        return layer;
    }

    private static float[] RandomInput(int length, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, length).Select(_ => (float)(random.NextDouble() * 6 - 3))];
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(64)]
    [InlineData(100)]
    [InlineData(1024)]
    public void BatchNormalizationAloneMatchesOnnxRuntime(int channels)
    {
        BatchNorm layer = RandomLayer(channels, channels);
        byte[] onnx = OnnxExporter.ExportBatchNorm(layer);
        var imported = new Sequential(OnnxImporter.Import(onnx, "bn.onnx"));
        foreach (int n in new[] { 1, 7, 64 })
        {
            float[] x = RandomInput(n * channels, n + channels);
            float[] expected = RunOrt(onnx, "X", x, [n, channels]);
            var actual = new float[x.Length];
            layer.Infer(x, TensorShape.Features(n, channels), actual);
            AssertClose(expected, actual, $"C={channels} N={n}");

            var throughImport = new float[x.Length];
            imported.Forward(x, n, InferenceRegime.Running, throughImport);
            AssertClose(expected, throughImport, $"imported C={channels} N={n}");
        }
    }

    [Theory]
    [InlineData(5)]
    [InlineData(16)]
    public void ChannelsFirstBatchNormalizationMatchesOnnxRuntime(int channels)
    {
        BatchNorm layer = RandomLayer(channels, channels + 1);
        byte[] onnx = OnnxExporter.ExportBatchNorm(layer, spatialRank: 2);
        foreach (int n in new[] { 1, 7 })
        {
            float[] x = RandomInput(n * channels * 3 * 5, n);
            float[] expected = RunOrt(onnx, "X", x, [n, channels, 3, 5]);
            var actual = new float[x.Length];
            layer.Infer(x, TensorShape.ChannelsFirst(n, channels, 3, 5), actual);
            AssertClose(expected, actual, $"NCHW C={channels} N={n}");
        }
    }

    [Fact]
    public void DemoNetworkMatchesOnnxRuntimeThroughExportAndImport()
    {
        var (train, test) = MnistSample.LoadSplit();
        var model = new Sequential(
            ArchitectureText.Build("dense:64,batchnorm,relu,dense,softmax", 784, 10, new BatchNormOptions { MaxThreads = 1 }, seed: 1), 64, seed: 1);
        var trainer = new Trainer(model, new Adam(), 32, 1);
        trainer.Epoch(train, 0, maxSteps: 60);
        PopulationRecalibration.Run(model, train);

        foreach (NormalizationStatistics statistics in new[] { NormalizationStatistics.Running, NormalizationStatistics.Population })
        {
            InferenceRegime regime = statistics == NormalizationStatistics.Running ? InferenceRegime.Running : InferenceRegime.Population;
            byte[] onnx = OnnxExporter.Export(model.ToDescription(), statistics);
            var imported = new Sequential(OnnxImporter.Import(onnx, "net.onnx"));
            foreach (int n in new[] { 1, 7, 64 })
            {
                float[] x = test.Rows(n, n).ToArray();
                float[] expected = RunOrt(onnx, "input", x, [n, 784]);
                var ours = new float[n * 10];
                var viaImport = new float[n * 10];
                for (int s = 0; s < n; s++)
                {
                    model.Predict(x.AsSpan(s * 784, 784), ours.AsSpan(s * 10, 10), regime);
                    imported.Predict(x.AsSpan(s * 784, 784), viaImport.AsSpan(s * 10, 10), InferenceRegime.Running);
                }

                AssertClose(expected, ours, $"{statistics} N={n}");
                AssertClose(expected, viaImport, $"imported {statistics} N={n}");
            }
        }
    }

    [Fact]
    public void AResidualGraphMatchesOnnxRuntimeThroughExportAndImport()
    {
        var random = new Random(4);
        float[] Values(int n) => [.. Enumerable.Range(0, n).Select(_ => random.NextSingle() * 2 - 1)];
        var model = new ModelDescription(
            [new ModelInput("x", ShapeInfo.Features(6))],
            [
                new DenseNode("fc1", "x", 6, 4, Values(24), Values(4)),
                new BatchNormNode("bn", "fc1", BatchNormOptions.For(BatchNormConventions.Onnx), Values(4), Values(4),
                    [0.1, -0.2, 0.3, 0.0], [1.5, 0.7, 0.9, 2.2], 3),
                new ReluNode("relu", "bn"),
                new DenseNode("skip", "x", 6, 4, Values(24), Values(4)),
                new AddNode("sum", "relu", "skip"),
                new FlattenNode("flat", "sum"),
                new DenseNode("head", "flat", 4, 3, Values(12), Values(3)),
            ],
            ["head"]);
        byte[] onnx = OnnxExporter.Export(model);
        ModelDescription imported = OnnxImporter.Import(onnx, "residual.onnx");
        Assert.Equal(model.Nodes.Select(n => n.Kind), imported.Nodes.Select(n => n.Kind));
        float[] x = RandomInput(5 * 6, 8);
        float[] expected = RunOrt(onnx, "x", x, [5, 6]);
        foreach (ModelDescription which in new[] { model, imported })
        {
            InferencePlan plan = InferencePlan.Build(which, InferenceRegime.Running);
            var actual = new float[5 * 3];
            for (int s = 0; s < 5; s++)
            {
                plan.Predict(x.AsSpan(s * 6, 6), actual.AsSpan(s * 3, 3));
            }

            AssertClose(expected, actual, which == model ? "residual" : "imported residual");
        }
    }
}
