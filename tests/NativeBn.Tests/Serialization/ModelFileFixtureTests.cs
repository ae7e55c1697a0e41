using System.Runtime.CompilerServices;
using System.Text.Json;
using NativeBn.Network;
using NativeBn.Normalization;
using NativeBn.Serialization;

namespace NativeBn.Tests.Serialization;

/// <summary>
/// Model files written by format version 1 (committed in <c>Fixtures/v1</c>) keep loading as the same model: the
/// parameters follow closed formulas recomputed here, the options are the ones the files were written with, and the
/// predictions equal those the writing version made (<c>expected.json</c>).
/// </summary>
public class ModelFileFixtureTests
{
    private static string FixturePath(string name, [CallerFilePath] string source = "") =>
        Path.Combine(Path.GetDirectoryName(source)!, "Fixtures", "v1", name);

    private static float Weight(int o, int i) => ((o * 7 + i * 3) % 11 - 5) / 8f;

    private static float Bias(int o) => (o % 3 - 1) / 4f;

    public static TheoryData<string> Files() =>
    [
        "pytorch-dense-bn-relu-dropout.nbm",
        "keras-renormalization-policies.nbm",
        "cumulative-tensorflow-onnx.nbm",
    ];

    [Theory]
    [MemberData(nameof(Files))]
    public void VersionOneFileLoadsAsTheSameModel(string name)
    {
        Sequential model = new(ModelFile.Load(FixturePath(name)), maxBatch: 4);
        Assert.True(model.EndsInSoftmax, "a format-1 model predicts class probabilities: it loads with a final Softmax node");
        foreach (DenseLayer dense in model.Layers.OfType<DenseLayer>())
        {
            for (int o = 0; o < dense.OutputWidth; o++)
            {
                Assert.Equal(Bias(o), dense.Bias[o]);
                for (int i = 0; i < dense.InputWidth; i++)
                {
                    Assert.Equal(Weight(o, i), dense.Weight[o * dense.InputWidth + i]);
                }
            }
        }

        BatchNorm[] batchNorms = [.. model.BatchNormLayers.Select(l => l.BatchNorm)];
        foreach (BatchNorm bn in batchNorms)
        {
            for (int c = 0; c < bn.Channels; c++)
            {
                Assert.Equal(0.5f + c / 8f, bn.Gamma[c]);
                Assert.Equal((c % 4 - 1.5f) / 2, bn.Beta[c]);
                Assert.Equal(c * 0.25 - 0.5, bn.RunningMean[c]);
                Assert.Equal(0.5 + c * 0.125, bn.RunningVariance[c]);
                if (bn.HasPopulationStatistics)
                {
                    Assert.Equal(c * 0.2 - 0.3, bn.PopulationMean[c], 15);
                    Assert.Equal(0.75 + c * 0.1, bn.PopulationVariance[c], 15);
                }
            }

            Assert.Equal(7, bn.BatchesTracked);
            Assert.Equal(bn.HasPopulationStatistics ? 1000 : 0, bn.PopulationCount);
        }

        CheckArchitecture(name, model, batchNorms);
        using JsonDocument expected = JsonDocument.Parse(File.ReadAllText(FixturePath("expected.json")));
        JsonElement entry = expected.RootElement.GetProperty(name);
        float[] input = [.. entry.GetProperty("input").EnumerateArray().Select(e => e.GetSingle())];
        foreach ((string regime, InferenceRegime value) in new[] { ("running", InferenceRegime.Running), ("folded", InferenceRegime.Folded) })
        {
            float[] want = [.. entry.GetProperty(regime).EnumerateArray().Select(e => e.GetSingle())];
            var got = new float[want.Length];
            model.Predict(input, got, value);
            Assertions.Close([.. want.Select(v => (double)v)], got, 1e-6, $"{name} {regime}");
        }
    }

    private static void CheckArchitecture(string name, Sequential model, BatchNorm[] batchNorms)
    {
        LayerKind[] kinds = [.. model.Layers.Select(l => l.Kind)];
        switch (name)
        {
            case "pytorch-dense-bn-relu-dropout.nbm":
                Assert.Equal([LayerKind.Dense, LayerKind.BatchNorm, LayerKind.Relu, LayerKind.Dropout, LayerKind.Dense], kinds);
                Assert.Equal(4, model.InputWidth);
                Assert.Equal(0.25, model.Layers.OfType<DropoutLayer>().Single().Rate);
                Assert.Equal(BatchNormConventions.PyTorch, batchNorms[0].Options.Conventions);
                Assert.Equal(SingleValuePolicy.Throw, batchNorms[0].Options.SingleValue);
                Assert.True(batchNorms[0].HasPopulationStatistics);
                break;
            case "keras-renormalization-policies.nbm":
                Assert.Equal([LayerKind.Dense, LayerKind.BatchNorm, LayerKind.Relu, LayerKind.Dense], kinds);
                BatchNormOptions keras = batchNorms[0].Options;
                Assert.Equal(BatchNormConventions.Keras, keras.Conventions);
                Assert.Equal(SingleValuePolicy.UseRunningStatistics, keras.SingleValue);
                Assert.Equal(NonFinitePolicy.SkipUpdate, keras.NonFinite);
                Assert.Equal(BatchRenormalization.Schedule(3, 5, 5_000, 40_000, 25_000).ToString(), keras.Renormalization!.ToString());
                Assert.False(batchNorms[0].HasPopulationStatistics);
                break;
            default:
                Assert.Equal(
                    [LayerKind.BatchNorm, LayerKind.Dense, LayerKind.BatchNorm, LayerKind.Relu, LayerKind.Dense, LayerKind.BatchNorm, LayerKind.Dense],
                    kinds);
                Assert.Equal(BatchNormConventions.PyTorchCumulativeAverage, batchNorms[0].Options.Conventions);
                Assert.Equal(BatchNormConventions.TensorFlowFused, batchNorms[1].Options.Conventions);
                Assert.Equal(BatchRenormalization.Fixed(2, 1).ToString(), batchNorms[1].Options.Renormalization!.ToString());
                Assert.Equal(BatchNormConventions.Onnx, batchNorms[2].Options.Conventions);
                Assert.Equal(SingleValuePolicy.NormalizeAnyway, batchNorms[2].Options.SingleValue);
                Assert.Equal([true, false, true], batchNorms.Select(b => b.HasPopulationStatistics));
                break;
        }
    }
}
