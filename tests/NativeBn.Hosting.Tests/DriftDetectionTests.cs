using Microsoft.Extensions.DependencyInjection;
using NativeBn.Model;

namespace NativeBn.Hosting.Tests;

/// <summary>
/// The drift signal with the default options (1 in 16 predictions sampled, a window of 512 sampled predictions,
/// thresholds 0.25 stored standard deviations and 0.5 in log variance ratio), on fresh samples of the training
/// distribution the stored statistics were computed from.
/// </summary>
public sealed class DriftDetectionTests
{
    private const int Window = 512 * 16;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void AHalfStandardDeviationShiftOfOneFeatureIsFlaggedWithin10000Predictions(int seed)
    {
        var random = new Random(seed);
        int feature = random.Next(DriftModels.Features);
        int onset = random.Next(20_000);
        using ServiceProvider services = DriftModels.Serve(DriftModels.Mlp);
        IModelHandle handle = services.Handle();
        var sample = new float[DriftModels.Features];
        var output = new float[handle.Current.Plan.OutputWidth];
        for (int i = 0; ; i++)
        {
            bool shifted = i >= onset;
            DriftModels.Draw(random, sample, shifted ? feature : -1, 0.5);
            handle.Predict(sample, output);
            if ((i + 1) % 256 != 0)
            {
                continue;
            }

            ModelDrift drift = handle.Drift;
            if (!shifted)
            {
                Assert.False(drift.IsDrifting, $"flagged before the shift, after {i + 1} predictions");
                continue;
            }

            int predictions = i + 1 - onset;
            LayerDrift first = drift.Layers[0];
            if (first.IsPastThreshold)
            {
                Assert.Equal(feature, first.MeanShiftChannel);
                Assert.InRange(predictions, 1, 10_000);
                return;
            }

            Assert.True(predictions < 10_000, $"feature {feature} shifted at prediction {onset} is not flagged {predictions} predictions later: {first.MeanShift:F3} in channel {first.MeanShiftChannel}");
        }
    }

    [Fact]
    public void FewerThanOnePercentOfWindowsOfTheTrainingDistributionAreFlagged()
    {
        const int Windows = 200;
        var random = new Random(99);
        using ServiceProvider services = DriftModels.Serve(DriftModels.Mlp);
        IModelHandle handle = services.Handle();
        var sample = new float[DriftModels.Features];
        var output = new float[handle.Current.Plan.OutputWidth];
        int flagged = 0;
        double largestShift = 0, largestRatio = 0;
        for (int window = 0; window < Windows; window++)
        {
            for (int i = 0; i < Window; i++)
            {
                DriftModels.Draw(random, sample);
                handle.Predict(sample, output);
            }

            // One thread: exactly every 16th prediction is sampled, so each window of 8,192 predictions is a new window.
            ModelDrift drift = handle.Drift;
            Assert.Equal(DriftState.Ready, drift.State);
            Assert.Equal(512, drift.SampledPredictions);
            flagged += drift.IsDrifting ? 1 : 0;
            largestShift = Math.Max(largestShift, drift.Layers.Max(l => l.MeanShift));
            largestRatio = Math.Max(largestRatio, drift.Layers.Max(l => Math.Abs(l.LogVarianceRatio)));
        }

        Assert.True(flagged * 100 < Windows,
            $"{flagged} of {Windows} windows flagged; largest mean shift {largestShift:F3} (threshold 0.25), largest |log variance ratio| {largestRatio:F3} (threshold 0.5)");
    }

    [Fact]
    public void AChannelShiftOfAConvolutionalModelIsFlaggedInThePlanesOfItsBatchNorm()
    {
        ModelDescription model = DriftModels.Cnn;
        var conv = (NativeBn.Model.Nodes.Conv2dNode)model.Nodes[0];
        var batchNorm = (NativeBn.Model.Nodes.BatchNormNode)model.Nodes[1];

        // A shift of input channel 0 by delta moves BatchNorm channel c's input by delta·w[c, 0] (1x1 kernels, no padding).
        double[] perUnit = [.. Enumerable.Range(0, batchNorm.Channels).Select(c =>
            conv.Weight[c * DriftModels.ImageChannels] / Math.Sqrt(batchNorm.Population!.Variance[c] + batchNorm.Options.Conventions.Epsilon))];
        int worst = Enumerable.Range(0, perUnit.Length).MaxBy(c => Math.Abs(perUnit[c]));
        double delta = 0.5 / Math.Abs(perUnit[worst]);

        using ServiceProvider services = DriftModels.Serve(model);
        IModelHandle handle = services.Handle();
        var random = new Random(5);
        var image = new float[handle.Current.Plan.InputWidth];
        var output = new float[handle.Current.Plan.OutputWidth];
        int predictions = 0;
        while (!handle.Drift.IsDrifting)
        {
            Assert.True(predictions < 10_000, $"not flagged after {predictions} predictions: {handle.Drift.Layers[0].MeanShift:F3}");
            for (int i = 0; i < 256; i++, predictions++)
            {
                DriftModels.Draw(random, image, 0, delta / DriftModels.StdOf(0));
                handle.Predict(image, output);
            }
        }

        LayerDrift layer = Assert.Single(handle.Drift.Layers);
        Assert.Equal(batchNorm.Name, layer.Name);
        Assert.Equal(DriftModels.ImageSide * DriftModels.ImageSide, layer.ValuesPerChannel);
        Assert.Equal(worst, layer.MeanShiftChannel);
        Assert.InRange(layer.MeanShift, 0.45, 0.55);
        Assert.InRange(Math.Abs(layer.LogVarianceRatio), 0, 0.1);
    }

    [Fact]
    public void AFoldedModelHasNoBatchNormInputToObserve()
    {
        using ServiceProvider services = DriftModels.Serve(TestModels.Mlp(1), o => o.Regime = NativeBn.Network.InferenceRegime.Folded);
        IModelHandle handle = services.Handle();
        var output = new float[TestModels.Outputs];
        foreach (float[] sample in TestModels.Samples(100))
        {
            handle.Predict(sample, output);
        }

        ModelDrift drift = handle.Drift;
        Assert.Equal(DriftState.NothingToObserve, drift.State);
        Assert.StartsWith("Folded: no BatchNorm input to observe", drift.Description);
        Assert.Contains("serve the Running or Population regime to monitor drift", drift.Description);
        Assert.Empty(drift.Layers);
        Assert.False(drift.IsDrifting);
        var refused = Assert.Throws<InvalidOperationException>(() => handle.Recalibrate());
        Assert.Contains("folded", refused.Message);
        Assert.Equal(1, handle.Current.Version);
    }

    [Fact]
    public void MonitoringOffIsReportedAndCannotRecalibrate()
    {
        using ServiceProvider services = DriftModels.Serve(DriftModels.Mlp, o => o.DriftMonitoring = false);
        IModelHandle handle = services.Handle();
        Assert.Equal(DriftState.Disabled, handle.Drift.State);
        Assert.Contains("DriftMonitoring", Assert.Throws<InvalidOperationException>(() => handle.Recalibrate()).Message);
    }
}
