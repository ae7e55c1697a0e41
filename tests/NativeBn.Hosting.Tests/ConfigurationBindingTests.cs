using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using NativeBn.Network;

namespace NativeBn.Hosting.Tests;

public sealed class ConfigurationBindingTests
{
    public static TheoryData<string, string, string> BadConfigurations => new()
    {
        { "NativeBn:Models:m:Regime", "Sideways", "'NativeBn:Models:m:Regime'" },
        { "NativeBn:Models:m:WatchDebounce", "soon", "'NativeBn:Models:m:WatchDebounce'" },
        { "NativeBn:Models:m:WatchFile", "maybe", "'NativeBn:Models:m:WatchFile'" },
        { "NativeBn:Models:m:Fromat", "Onnx", "The settings of model 'm' at 'NativeBn:Models:m' are invalid: 'ErrorOnUnknownConfiguration' was set on the provided BinderOptions, but the following properties were not found on the instance of NativeBn.Hosting.NativeBnModelSettings: 'Fromat'" },
        { "NativeBn:Modles:m:Path", "m.nbn", "'NativeBn:Modles' is not a NativeBn setting" },
        { "NativeBn:Models:m", "m.nbn", "'NativeBn:Models:m' is the value 'm.nbn'; expected the settings of model 'm'" },
        { "NativeBn:Models:m:Regime", "BatchStatistics", "Model 'm' has Regime BatchStatistics; expected Running, Population or Folded" },
        { "NativeBn:Models:m:Format", "Onnx", "Model 'm' needs exactly one source: a Path or an OpenStream factory; it has neither." },
        { "NativeBn:Models:m:WatchDebounce", "00:05:00", "Model 'm' has WatchDebounce 00:05:00; expected 0 to 00:01:00." },
        { "Elsewhere:Models:m:Path", "m.nbn", "No models are configured" },
    };

    [Theory]
    [MemberData(nameof(BadConfigurations))]
    public async Task ABadConfigurationStopsStartUpNamingTheKeyOrTheModel(string key, string value, string message)
    {
        using IHost host = Build(new() { [key] = value });

        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public async Task AGoodConfigurationLoadsEveryModelWithItsSettings()
    {
        using var folder = new TempFolder();
        var first = TestModels.Mlp(1);
        var second = TestModels.Mlp(2);
        string firstHash = TestModels.Save(first, folder.File("first.nbn"));
        string secondHash = TestModels.Save(second, folder.File("second.model"));
        using IHost host = Build(new()
        {
            ["NativeBn:Models:first:Path"] = folder.File("first.nbn"),
            ["NativeBn:Models:second:path"] = folder.File("second.model"),
            ["NativeBn:Models:second:format"] = "native",
            ["NativeBn:Models:second:Regime"] = "Folded",
            ["NativeBn:Models:second:WatchFile"] = "true",
            ["NativeBn:Models:second:WatchDebounce"] = "00:00:00.25",
        });

        await host.StartAsync();

        NativeBnModelOptions[] options = [.. host.Services.GetRequiredService<IOptions<NativeBnOptions>>().Value.Models];
        Assert.Equal(["first", "second"], options.Select(o => o.Name));
        Assert.Equal((NativeBnModelFormat.Auto, InferenceRegime.Running, false, TimeSpan.FromMilliseconds(500)),
            (options[0].Format, options[0].Regime, options[0].WatchFile, options[0].WatchDebounce));
        Assert.Equal((NativeBnModelFormat.Native, InferenceRegime.Folded, true, TimeSpan.FromMilliseconds(250)),
            (options[1].Format, options[1].Regime, options[1].WatchFile, options[1].WatchDebounce));

        var models = host.Services.GetRequiredService<INativeBnModels>();
        Assert.Equal(firstHash, models.Get("first").Current.ContentHash);
        Assert.Equal(secondHash, models.Get("second").Current.ContentHash);
        float[] sample = TestModels.Samples(1)[0];
        Assert.True(TestModels.BitwiseEqual(Predict(InferencePlan.Build(first, InferenceRegime.Running), sample), Predict(models.Get("first"), sample)));
        Assert.True(TestModels.BitwiseEqual(Predict(InferencePlan.Build(second, InferenceRegime.Folded), sample), Predict(models.Get("second"), sample)));
        await host.StopAsync();
    }

    [Fact]
    public async Task CodeAddsToAndChangesTheConfiguredModels()
    {
        using var folder = new TempFolder();
        TestModels.Save(TestModels.Mlp(1), folder.File("file.nbn"));
        byte[] streamed = File.ReadAllBytes(folder.File("file.nbn"));
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["NativeBn:Models:file:Path"] = "file.nbn" });
        builder.Services.AddNativeBn(builder.Configuration.GetSection("NativeBn"), o =>
        {
            o.Models[0].Path = Path.Combine(folder.Path, o.Models[0].Path!);
            o.AddStream("streamed", () => new MemoryStream(streamed));
        });
        using IHost host = builder.Build();

        await host.StartAsync();

        var models = host.Services.GetRequiredService<INativeBnModels>();
        Assert.Equal(["file", "streamed"], models.All.Select(m => m.Name));
        Assert.Equal(models.Get("file").Current.ContentHash, models.Get("streamed").Current.ContentHash);
        await host.StopAsync();
    }

    private static IHost Build(Dictionary<string, string?> settings)
    {
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddNativeBn(builder.Configuration.GetSection("NativeBn"));
        return builder.Build();
    }

    private static float[] Predict(InferencePlan plan, float[] sample)
    {
        var output = new float[plan.OutputWidth];
        plan.Predict(sample, output);
        return output;
    }

    private static float[] Predict(IModelHandle handle, float[] sample)
    {
        var output = new float[handle.Current.Plan.OutputWidth];
        handle.Predict(sample, output);
        return output;
    }
}
