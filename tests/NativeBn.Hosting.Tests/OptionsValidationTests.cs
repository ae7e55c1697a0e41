using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using NativeBn.Network;

namespace NativeBn.Hosting.Tests;

public sealed class OptionsValidationTests
{
    public static TheoryData<string, string> BadOptions => new()
    {
        { "no source", "Model 'm' needs exactly one source: a Path or an OpenStream factory; it has neither." },
        { "two sources", "Model 'm' needs exactly one source: a Path or an OpenStream factory; it has both." },
        { "no name", "The NativeBnOptions.Models[0].Name field is required." },
        { "watch a stream", "Model 'm' has WatchFile set but no Path to watch." },
        { "negative debounce", "Model 'm' has WatchDebounce -00:00:01; expected 0 to 00:01:00." },
        { "batch statistics", "Model 'm' has Regime BatchStatistics; expected Running, Population or Folded" },
        { "duplicate names", "The model name 'm' is used more than once; names must be distinct." },
        { "no models", "No models are configured; add at least one to NativeBnOptions.Models." },
        { "sampling", "Model 'm' has DriftSampleEvery 0; expected 1 to 1000000." },
        { "window", "Model 'm' has DriftWindow 100; expected a multiple of 8 from 64 to 16777216 (sampled predictions)." },
        { "mean threshold", "Model 'm' has DriftMeanShiftThreshold NaN; expected a finite number above 0 (stored standard deviations)." },
        { "variance threshold", "Model 'm' has DriftLogVarianceThreshold 0; expected a finite number above 0." },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public async Task BadOptionsStopTheHostAtStartUpWithAClearMessage(string kind, string message)
    {
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddNativeBn(o =>
        {
            Func<Stream> stream = () => new MemoryStream();
            switch (kind)
            {
                case "no source":
                    o.Models.Add(new NativeBnModelOptions { Name = "m" });
                    break;
                case "two sources":
                    o.Models.Add(new NativeBnModelOptions { Name = "m", Path = "m.nbn", OpenStream = stream });
                    break;
                case "no name":
                    o.Models.Add(new NativeBnModelOptions { Name = null!, Path = "m.nbn" });
                    break;
                case "watch a stream":
                    o.AddStream("m", stream).WatchFile = true;
                    break;
                case "negative debounce":
                    o.AddFile("m", "m.nbn").WatchDebounce = TimeSpan.FromSeconds(-1);
                    break;
                case "batch statistics":
                    o.AddFile("m", "m.nbn").Regime = InferenceRegime.BatchStatistics;
                    break;
                case "sampling":
                    o.AddFile("m", "m.nbn").DriftSampleEvery = 0;
                    break;
                case "window":
                    o.AddFile("m", "m.nbn").DriftWindow = 100;
                    break;
                case "mean threshold":
                    o.AddFile("m", "m.nbn").DriftMeanShiftThreshold = double.NaN;
                    break;
                case "variance threshold":
                    o.AddFile("m", "m.nbn").DriftLogVarianceThreshold = 0;
                    break;
                case "duplicate names":
                    o.AddFile("m", "a.nbn");
                    o.AddFile("m", "b.nbn");
                    break;
                default:
                    break;
            }
        });
        using IHost host = builder.Build();

        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public async Task AModelThatCannotBeLoadedStopsTheHostAtStartUp()
    {
        using var folder = new TempFolder();
        string path = folder.File("broken.nbn");
        File.WriteAllText(path, "not a model");
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddNativeBn(o => o.AddFile("m", path));
        using IHost host = builder.Build();

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());
        Assert.Contains($"Model 'm' could not be loaded from {path}", e.Message);
        Assert.IsType<Data.DataFormatException>(e.InnerException);
    }

    [Fact]
    public async Task GoodOptionsStartTheHostWithTheModelsLoaded()
    {
        using var folder = new TempFolder();
        string path = folder.File("model.nbn");
        string hash = TestModels.Save(TestModels.Mlp(1), path);
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddNativeBn(o => o.AddFile("m", path));
        using IHost host = builder.Build();

        await host.StartAsync();
        Assert.Equal(hash, host.Services.GetRequiredService<INativeBnModels>().Get("m").Current.ContentHash);
        await host.StopAsync();
    }
}
