using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using NativeBn.Model;
using NativeBn.Model.Nodes;
using NativeBn.Network;
using NativeBn.Serialization;

namespace NativeBn.Hosting.Tests;

/// <summary>Recalibration from the drift window, the health check, the metrics and the cost of monitoring in allocations.</summary>
public sealed class DriftServingTests
{
    private const int Window = 512 * 16;

    [Fact]
    public void RecalibrationTakesTheWindowsStatisticsAndTheSignalOfTheFirstLayerDrops()
    {
        const int Shifted = 2;
        var logs = new CapturedLogs();
        using ServiceProvider services = DriftModels.Serve(DriftModels.Mlp, logs: logs);
        IModelHandle handle = services.Handle();
        var random = new Random(3);
        var output = new float[handle.Current.Plan.OutputWidth];
        var samples = new float[Window][];
        for (int i = 0; i < Window; i++)
        {
            samples[i] = new float[DriftModels.Features];
            DriftModels.Draw(random, samples[i], Shifted, 1.0);
            handle.Predict(samples[i], output);
            if (i == 100)
            {
                Assert.Contains("cannot be recalibrated yet", Assert.Throws<InvalidOperationException>(() => handle.Recalibrate()).Message);
            }
        }

        LayerDrift before = handle.Drift.Layers[0];
        Assert.True(before.IsPastThreshold);
        Assert.Equal(Shifted, before.MeanShiftChannel);

        ModelSnapshot recalibrated = handle.Recalibrate();
        Assert.Same(recalibrated, handle.Current);
        Assert.Equal(2, recalibrated.Version);
        Assert.Equal(InferenceRegime.Population, recalibrated.Plan.Regime);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(ModelFile.Serialize(recalibrated.Model))), recalibrated.ContentHash);
        Assert.Equal(DriftState.Filling, handle.Drift.State);
        Assert.Equal(0, handle.Drift.SampledPredictions);

        // The first layer's input is the sample: its statistics are those of every 16th sample, in double, two passes.
        float[][] sampled = [.. samples.Where((_, i) => (i + 1) % 16 == 0)];
        PopulationMoments moments = ((BatchNormNode)recalibrated.Model.Nodes[0]).Population!;
        Assert.Equal(512, moments.Count);
        for (int c = 0; c < DriftModels.Features; c++)
        {
            double mean = sampled.Average(s => (double)s[c]);
            double variance = sampled.Average(s => ((double)s[c] - mean) * ((double)s[c] - mean));
            Assert.True(Math.Abs(moments.Mean[c] - mean) <= 1e-12 * (1 + Math.Abs(mean)), $"mean of channel {c}: {moments.Mean[c]} against {mean}");
            Assert.True(Math.Abs(moments.Variance[c] - variance) <= 1e-10 * variance, $"variance of channel {c}: {moments.Variance[c]} against {variance}");
        }

        for (int i = 0; i < Window; i++)
        {
            DriftModels.Draw(random, samples[i], Shifted, 1.0);
            handle.Predict(samples[i], output);
        }

        LayerDrift after = handle.Drift.Layers[0];
        Assert.Equal(DriftState.Ready, handle.Drift.State);
        Assert.False(after.IsPastThreshold, $"mean shift {after.MeanShift:F3}, log variance ratio {after.LogVarianceRatio:F3}");
        Assert.True(after.MeanShift < before.MeanShift / 4, $"{after.MeanShift:F3} after, {before.MeanShift:F3} before");
        Assert.Contains(logs.Entries, e => e.EventId.Id == 6 && e.Message.Contains("version 2 recalibrated from the BatchNorm inputs of 512 sampled predictions of version 1"));
        Assert.Contains(logs.Entries, e => e.EventId.Id == 7 && e.Message.Contains("cannot be recalibrated yet"));
    }

    [Fact]
    public void RecalibratingAConvolutionalModelTakesTheMomentsOfItsPlanes()
    {
        ModelDescription model = DriftModels.Cnn;
        var batchNorm = (BatchNormNode)model.Nodes[1];
        InferencePlan upstream = InferencePlan.Build(model.Upstream(batchNorm.Inputs[0]), InferenceRegime.Population);
        using ServiceProvider services = DriftModels.Serve(model, o => o.DriftWindow = 64);
        IModelHandle handle = services.Handle();
        var random = new Random(8);
        var image = new float[handle.Current.Plan.InputWidth];
        var output = new float[handle.Current.Plan.OutputWidth];
        var planes = new float[upstream.OutputWidth];
        int per = DriftModels.ImageSide * DriftModels.ImageSide;
        var values = new List<double>[batchNorm.Channels];
        for (int c = 0; c < values.Length; c++)
        {
            values[c] = [];
        }

        for (int i = 0; i < 64 * 16; i++)
        {
            DriftModels.Draw(random, image, 1, 0.7);
            handle.Predict(image, output);
            if ((i + 1) % 16 == 0)
            {
                upstream.Predict(image, planes);
                for (int c = 0; c < values.Length; c++)
                {
                    values[c].AddRange(planes.AsSpan(c * per, per).ToArray().Select(v => (double)v));
                }
            }
        }

        PopulationMoments moments = ((BatchNormNode)handle.Recalibrate().Model.Nodes[1]).Population!;
        Assert.Equal(64L * per, moments.Count);
        for (int c = 0; c < values.Length; c++)
        {
            double mean = values[c].Average();
            double variance = values[c].Average(v => (v - mean) * (v - mean));
            Assert.True(Math.Abs(moments.Mean[c] - mean) <= 1e-12 * (1 + Math.Abs(mean)), $"mean of channel {c}: {moments.Mean[c]} against {mean}");
            Assert.True(Math.Abs(moments.Variance[c] - variance) <= 1e-10 * variance, $"variance of channel {c}: {moments.Variance[c]} against {variance}");
        }
    }

    [Fact]
    public async Task TheHealthCheckAndTheMetricsReportDrift()
    {
        using ServiceProvider services = DriftModels.Serve(DriftModels.Mlp);
        using var instruments = new DriftInstruments(services.GetRequiredService<IMeterFactory>());
        IModelHandle handle = services.Handle();
        HealthCheckService health = services.GetRequiredService<HealthCheckService>();
        var random = new Random(4);
        var sample = new float[DriftModels.Features];
        var output = new float[handle.Current.Plan.OutputWidth];
        for (int i = 0; i < Window; i++)
        {
            DriftModels.Draw(random, sample);
            handle.Predict(sample, output);
        }

        HealthReportEntry entry = (await health.CheckHealthAsync()).Entries["nativebn"];
        Assert.Equal(HealthStatus.Healthy, entry.Status);
        Assert.Equal("Ready", entry.Data["m.drift"]);

        for (int i = 0; i < Window; i++)
        {
            DriftModels.Draw(random, sample, 5, -1.0);
            handle.Predict(sample, output);
        }

        ModelDrift drift = handle.Drift;
        LayerDrift first = drift.Layers[0];
        entry = (await health.CheckHealthAsync()).Entries["nativebn"];
        Assert.Equal(HealthStatus.Degraded, entry.Status);
        Assert.Contains($"'m' layer '{first.Name}'", entry.Description);
        Assert.Equal(first.MeanShift, entry.Data[$"m.drift.{first.Name}.meanShift"]);
        Assert.Equal(5, entry.Data[$"m.drift.{first.Name}.meanShiftChannel"]);
        Assert.Equal(first.LogVarianceRatio, entry.Data[$"m.drift.{first.Name}.logVarianceRatio"]);
        Assert.Equal(first.LogVarianceRatioChannel, entry.Data[$"m.drift.{first.Name}.logVarianceRatioChannel"]);

        instruments.Collect();
        foreach (LayerDrift layer in drift.Layers)
        {
            Assert.Equal(layer.MeanShift, instruments.Value("nativebn.drift.mean_shift", "m", layer.Name));
            Assert.Equal(layer.LogVarianceRatio, instruments.Value("nativebn.drift.log_variance_ratio", "m", layer.Name));
        }

        Assert.Equal(2 * Window / 16, instruments.Value("nativebn.drift.sampled_predictions", "m"));
        handle.Recalibrate();
        Assert.Equal(1, instruments.Value("nativebn.model.reloads", "m"));
        entry = (await health.CheckHealthAsync()).Entries["nativebn"];
        Assert.Equal(HealthStatus.Healthy, entry.Status);
        Assert.Equal("Filling", entry.Data["m.drift"]);
    }

    [Fact]
    public void MonitoringAllocatesNothingPerPredictionAndLeavesTheOutputsBitwiseUnchanged()
    {
        using ServiceProvider monitored = DriftModels.Serve(DriftModels.Cnn, o => o.DriftWindow = 64);
        using ServiceProvider plain = DriftModels.Serve(DriftModels.Cnn, o => o.DriftMonitoring = false);
        using var instruments = new DriftInstruments(monitored.GetRequiredService<IMeterFactory>());
        IModelHandle on = monitored.Handle(), off = plain.Handle();
        var random = new Random(6);
        var images = new float[64][];
        var expected = new float[on.Current.Plan.OutputWidth];
        var output = new float[on.Current.Plan.OutputWidth];
        for (int i = 0; i < images.Length; i++)
        {
            images[i] = new float[on.Current.Plan.InputWidth];
            DriftModels.Draw(random, images[i]);
        }

        for (int i = 0; i < 16 * images.Length; i++)
        {
            off.Predict(images[i % images.Length], expected);
            on.Predict(images[i % images.Length], output);
            Assert.True(TestModels.BitwiseEqual(expected, output), $"prediction {i}");
        }

        // 1,024 predictions per call: 64 sampled, 8 blocks of 8 completed (window rollovers included).
        long allocated = AllocationMeter.Measure(() =>
        {
            for (int i = 0; i < 16 * images.Length; i++)
            {
                on.Predict(images[i % images.Length], output);
            }
        });

        Assert.Equal(0, allocated);
        Assert.Equal(64, on.Drift.SampledPredictions);
        Assert.True(instruments.Value("nativebn.drift.sampled_predictions", "m") >= 3 * 64);
    }
}
