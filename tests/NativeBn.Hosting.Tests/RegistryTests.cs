using Microsoft.Extensions.DependencyInjection;
using NativeBn.Interop;
using NativeBn.Model;
using NativeBn.Network;

namespace NativeBn.Hosting.Tests;

public sealed class RegistryTests
{
    [Fact]
    public void SeveralNamedModelsFromFilesAndStreamsServeTheirOwnOutputs()
    {
        using var folder = new TempFolder();
        ModelDescription a = TestModels.Mlp(1), b = TestModels.Mlp(2);
        string fileA = folder.File("a.nbn"), fileB = folder.File("b.nbn");
        string hashA = TestModels.Save(a, fileA), hashB = TestModels.Save(b, fileB);
        byte[] bytesB = File.ReadAllBytes(fileB);
        int opened = 0;
        using ServiceProvider services = Services.Build(o =>
        {
            o.AddFile("a", fileA);
            o.AddStream("b", () =>
            {
                Interlocked.Increment(ref opened);
                return new MemoryStream(bytesB);
            });
        });
        INativeBnModels models = services.GetRequiredService<INativeBnModels>();

        Assert.Equal(["a", "b"], models.All.Select(h => h.Name));
        Assert.Equal(hashA, models.Get("a").Current.ContentHash);
        Assert.Equal(hashB, models.Get("b").Current.ContentHash);
        Assert.Equal(fileA, models.Get("a").Current.Source);
        Assert.Equal(1, opened);

        float[][] samples = TestModels.Samples(8);
        float[][] expectedA = TestModels.Expected(a, samples), expectedB = TestModels.Expected(b, samples);
        var output = new float[TestModels.Outputs];
        for (int s = 0; s < samples.Length; s++)
        {
            models.Get("a").Predict(samples[s], output);
            Assert.True(TestModels.BitwiseEqual(expectedA[s], output));
            models.Get("b").Predict(samples[s], output);
            Assert.True(TestModels.BitwiseEqual(expectedB[s], output));
        }

        Assert.True(models.Get("b").Reload());
        Assert.Equal(2, opened);
        Assert.Equal(2, models.Get("b").Current.Version);
        Assert.Equal(1, models.Get("a").Current.Version);
    }

    [Fact]
    public void AnUnknownNameIsAClearError()
    {
        using var folder = new TempFolder();
        TestModels.Save(TestModels.Mlp(1), folder.File("a.nbn"));
        using ServiceProvider services = Services.Build(o =>
        {
            o.AddFile("first", folder.File("a.nbn"));
            o.AddFile("second", folder.File("a.nbn"));
        });
        INativeBnModels models = services.GetRequiredService<INativeBnModels>();

        var e = Assert.Throws<KeyNotFoundException>(() => models.Get("third"));
        Assert.Equal("No model is named 'third'; the models are: 'first', 'second'.", e.Message);
        Assert.False(models.TryGet("First", out _));
        Assert.True(models.TryGet("second", out IModelHandle? second));
        Assert.Equal("second", second.Name);
    }

    [Theory]
    [InlineData(".onnx")]
    [InlineData(".safetensors")]
    [InlineData(".nbn")]
    public void AStreamInAnyFormatIsReadAsTheFileOfThatFormatIs(string extension)
    {
        using var folder = new TempFolder();
        string path = folder.File("model" + extension);
        ModelFormats.Save(TestModels.Mlp(4), path);
        InferencePlan fromFile = InferencePlan.Build(ModelFormats.Load(path), InferenceRegime.Running);
        using ServiceProvider services = Services.Build(o => o.AddStream("m", () => File.OpenRead(path)));
        IModelHandle handle = services.GetRequiredService<INativeBnModels>().Get("m");

        Assert.Equal(TestModels.HashOf(path), handle.Current.ContentHash);
        var expected = new float[fromFile.OutputWidth];
        var output = new float[TestModels.Outputs];
        foreach (float[] sample in TestModels.Samples(8))
        {
            fromFile.Predict(sample, expected);
            handle.Predict(sample, output);
            Assert.True(TestModels.BitwiseEqual(expected, output));
        }
    }

    [Fact]
    public void PredictAllocatesNothingAfterWarmUpWithMetricsListenedTo()
    {
        using var folder = new TempFolder();
        TestModels.Save(TestModels.Mlp(1), folder.File("a.nbn"));
        using ServiceProvider services = Services.Build(o => o.AddFile("m", folder.File("a.nbn")));
        IModelHandle handle = services.GetRequiredService<INativeBnModels>().Get("m");
        long measurements = 0;
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == NativeBnMetrics.MeterName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, _, _, _) => Interlocked.Increment(ref measurements));
        listener.SetMeasurementEventCallback<double>((_, _, _, _) => Interlocked.Increment(ref measurements));
        listener.Start();
        float[] sample = TestModels.Samples(1)[0];
        var output = new float[TestModels.Outputs];

        long allocated = AllocationMeter.Measure(() =>
        {
            for (int i = 0; i < 1000; i++)
            {
                handle.Predict(sample, output);
            }
        });

        Assert.Equal(0, allocated);
        Assert.True(Interlocked.Read(ref measurements) >= 2000);
    }
}
