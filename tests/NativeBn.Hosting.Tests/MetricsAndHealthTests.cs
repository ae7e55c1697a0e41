using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace NativeBn.Hosting.Tests;

public sealed class MetricsAndHealthTests
{
    [Fact]
    public async Task MetricsAndTheHealthCheckReportPredictionsErrorsAndReloads()
    {
        using var folder = new TempFolder();
        string path = folder.File("model.nbn");
        TestModels.Save(TestModels.Mlp(1), path);
        using ServiceProvider services = Services.Build(o => o.AddFile("m", path));
        using var recorded = new Recorded(services.GetRequiredService<IMeterFactory>());
        IModelHandle handle = services.GetRequiredService<INativeBnModels>().Get("m");
        HealthCheckService health = services.GetRequiredService<HealthCheckService>();

        HealthReport report = await health.CheckHealthAsync();
        Assert.Equal(HealthStatus.Healthy, report.Status);
        Assert.Equal(1L, report.Entries["nativebn"].Data["m.version"]);

        var output = new float[TestModels.Outputs];
        foreach (float[] sample in TestModels.Samples(10))
        {
            handle.Predict(sample, output);
        }

        Assert.Throws<ArgumentException>(() => handle.Predict(new float[TestModels.Inputs + 1], output));
        Assert.True(handle.Reload());
        File.WriteAllText(path, "not a model");
        Assert.False(handle.Reload());

        Assert.Equal(10, recorded.Sum("nativebn.predictions", "m"));
        Assert.Equal(1, recorded.Sum("nativebn.prediction.errors", "m"));
        Assert.Equal(1, recorded.Sum("nativebn.model.reloads", "m", "success"));
        Assert.Equal(1, recorded.Sum("nativebn.model.reloads", "m", "failure"));
        double[] durations = recorded.Durations("m");
        Assert.Equal(10, durations.Length);
        Assert.All(durations, d => Assert.True(d >= 0 && d < 60, $"duration {d} s"));

        report = await health.CheckHealthAsync();
        HealthReportEntry entry = report.Entries["nativebn"];
        Assert.Equal(HealthStatus.Degraded, entry.Status);
        Assert.Equal(2L, entry.Data["m.version"]);
        Assert.Equal(handle.Current.ContentHash, entry.Data["m.hash"]);
        Assert.Equal(1L, entry.Data["m.failedReloads"]);
        Assert.Equal(handle.LastError!.Message, entry.Data["m.lastError"]);
        Assert.Contains("'m' (version 2 still serving)", entry.Description);

        TestModels.Save(TestModels.Mlp(2), path);
        Assert.True(handle.Reload());
        report = await health.CheckHealthAsync();
        Assert.Equal(HealthStatus.Healthy, report.Status);
        Assert.Equal(3L, report.Entries["nativebn"].Data["m.version"]);
        Assert.False(report.Entries["nativebn"].Data.ContainsKey("m.lastError"));
    }

    [Fact]
    public async Task TheHealthCheckIsUnhealthyWhenAModelCannotBeLoaded()
    {
        using var folder = new TempFolder();
        using ServiceProvider services = Services.Build(o => o.AddFile("m", folder.File("absent.nbn")));
        HealthReport report = await services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        HealthReportEntry entry = report.Entries["nativebn"];
        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        Assert.Contains("absent.nbn", entry.Exception!.Message);
    }

    /// <summary>Every measurement of the NativeBn.Hosting meter of one container (its IMeterFactory).</summary>
    private sealed class Recorded : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentQueue<(string Instrument, double Value, string? Model, string? Result)> _measurements = new();

        public Recorded(IMeterFactory factory)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == NativeBnMetrics.MeterName && ReferenceEquals(instrument.Meter.Scope, factory))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Add(instrument, value, tags));
            _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Add(instrument, value, tags));
            _listener.Start();
        }

        public long Sum(string instrument, string model, string? result = null) =>
            (long)_measurements.Where(m => m.Instrument == instrument && m.Model == model && (result is null || m.Result == result)).Sum(m => m.Value);

        public double[] Durations(string model) =>
            [.. _measurements.Where(m => m.Instrument == "nativebn.prediction.duration" && m.Model == model).Select(m => m.Value)];

        public void Dispose() => _listener.Dispose();

        private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            string? model = null, result = null;
            foreach (var (key, tagValue) in tags)
            {
                if (key == NativeBnMetrics.ModelTag)
                {
                    model = (string?)tagValue;
                }
                else if (key == NativeBnMetrics.ResultTag)
                {
                    result = (string?)tagValue;
                }
            }

            _measurements.Enqueue((instrument.Name, value, model, result));
        }
    }
}
