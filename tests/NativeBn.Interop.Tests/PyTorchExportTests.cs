using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using NativeBn.Interop.Onnx;
using NativeBn.Model;
using NativeBn.Network;

namespace NativeBn.Interop.Tests;

/// <summary>
/// Models exported by PyTorch 1.13's own exporter (BatchNorm kept with TrainingMode.PRESERVE, or folded by the default
/// eval-mode export; dynamic batch; opsets 9 to 17) give PyTorch's eval-mode outputs in NativeBn, in every regime, and
/// in ONNX Runtime on the same files; predictions are batch-invariant at 1 and 2 threads.
/// </summary>
public class PyTorchExportTests
{
    public static TheoryData<string> CommittedModels() => [.. TorchFixtures.Load(TorchFixtures.Committed).Select(e => e.Name)];

    private static TorchFixtures.Entry Committed(string name) => TorchFixtures.Load(TorchFixtures.Committed).Single(e => e.Name == name);

    [Theory]
    [MemberData(nameof(CommittedModels))]
    public void ASmallModelExportedByPyTorchPredictsAsPyTorchDoes(string name) => PredictsAsPyTorch(Committed(name));

    [Theory]
    [MemberData(nameof(CommittedModels))]
    public void ASmallModelIsBatchInvariantAtOneAndTwoThreads(string name) => IsBatchInvariant(Committed(name));

    [TorchvisionFact]
    public void TorchvisionResNet18AndMobileNetV2PredictAsPyTorchDoes()
    {
        IReadOnlyList<TorchFixtures.Entry> entries = TorchFixtures.Load(TorchFixtures.Generated!);
        Assert.Equal(4, entries.Count(e => e.Name.StartsWith("resnet18", StringComparison.Ordinal) || e.Name.StartsWith("mobilenet_v2", StringComparison.Ordinal)));
        foreach (TorchFixtures.Entry entry in entries)
        {
            PredictsAsPyTorch(entry);
        }
    }

    [TorchvisionFact]
    public void TorchvisionModelsAreBatchInvariantAtOneAndTwoThreads()
    {
        foreach (TorchFixtures.Entry entry in TorchFixtures.Load(TorchFixtures.Generated!).Where(e => e.BatchNormKept))
        {
            IsBatchInvariant(entry, batch: 8);
        }
    }

    private static void PredictsAsPyTorch(TorchFixtures.Entry entry)
    {
        ModelDescription model = OnnxImporter.Load(entry.OnnxPath);
        bool convolutional = model.Nodes.Any(n => n is Model.Nodes.Conv2dNode);
        Assert.True(entry.BatchNormKept || !convolutional ? model.BatchNorms.Any() : !model.BatchNorms.Any(),
            $"{entry}: {model.BatchNorms.Count()} BatchNorm nodes; PyTorch's eval-mode export folds every one after a convolution");
        float[] input = entry.Input, expected = entry.Output;
        float scale = expected.Max(Math.Abs);
        foreach (InferenceRegime regime in new[] { InferenceRegime.Running, InferenceRegime.Folded })
        {
            InferencePlan plan = InferencePlan.Build(model, regime);
            var actual = new float[expected.Length];
            plan.PredictBatch(input, actual);
            Close(expected, actual, scale, $"{entry} {regime} against PyTorch");
        }

        using var options = new SessionOptions { IntraOpNumThreads = 1 };
        using var session = new InferenceSession(entry.OnnxPath, options);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("input", new DenseTensor<float>(input, entry.InputShape))]);
        Close(expected, [.. results.First().AsEnumerable<float>()], scale, $"{entry} ONNX Runtime against PyTorch");
    }

    /// <summary>
    /// Every sample of a batch, predicted alone, equals its row of the batch bitwise, at 1 and 2 threads; and a sample
    /// predicted with its convolutions shared among 2 threads equals the sample on one.
    /// </summary>
    private static void IsBatchInvariant(TorchFixtures.Entry entry, int batch = 64)
    {
        InferencePlan plan = InferencePlan.Build(OnnxImporter.Load(entry.OnnxPath), InferenceRegime.Running);
        var random = new Random(batch);
        float[] samples = [.. Enumerable.Range(0, batch * plan.InputWidth).Select(_ => random.NextSingle() * 4 - 2)];
        var alone = new float[batch * plan.OutputWidth];
        for (int n = 0; n < batch; n++)
        {
            plan.Predict(samples.AsSpan(n * plan.InputWidth, plan.InputWidth), alone.AsSpan(n * plan.OutputWidth, plan.OutputWidth));
        }

        foreach (int threads in new[] { 1, 2 })
        {
            var together = new float[alone.Length];
            plan.PredictBatch(samples, together, threads);
            for (int i = 0; i < alone.Length; i++)
            {
                Assert.True(BitConverter.SingleToInt32Bits(alone[i]) == BitConverter.SingleToInt32Bits(together[i]),
                    $"{entry} at {threads} threads: sample {i / plan.OutputWidth} value {i % plan.OutputWidth} is {together[i]:R} in the batch, {alone[i]:R} alone");
            }
        }

        var shared = new float[plan.OutputWidth];
        for (int n = 0; n < 8; n++)
        {
            plan.Predict(samples.AsSpan(n * plan.InputWidth, plan.InputWidth), shared, maxThreads: 2);
            for (int i = 0; i < shared.Length; i++)
            {
                Assert.True(BitConverter.SingleToInt32Bits(alone[n * plan.OutputWidth + i]) == BitConverter.SingleToInt32Bits(shared[i]),
                    $"{entry}: sample {n} value {i} is {shared[i]:R} with 2 threads inside the sample, {alone[n * plan.OutputWidth + i]:R} on one");
            }
        }
    }

    /// <summary>Within 1e-4 of the largest magnitude of PyTorch's output.</summary>
    private static void Close(float[] expected, float[] actual, float scale, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-4 * scale,
                $"{what}[{i}]: PyTorch {expected[i]:R}, got {actual[i]:R} (tolerance 1e-4 of {scale:G4})");
        }
    }
}
