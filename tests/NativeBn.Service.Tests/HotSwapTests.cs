using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using NativeBn.Model;

namespace NativeBn.Service.Tests;

public sealed class HotSwapTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly ModelDescription[] _models = [TestModels.Mlp(1), TestModels.Mlp(2)];
    private readonly string _path;
    private readonly ServiceFactory _service;

    public HotSwapTests()
    {
        _path = _folder.File("served.nbm");
        TestModels.Save(_models[0], _path);
        _service = new ServiceFactory(new Dictionary<string, string> { ["mlp"] = _path });
    }

    public void Dispose()
    {
        _service.Dispose();
        _folder.Dispose();
    }

    [Fact]
    public async Task ConcurrentPredictionsDuringRepeatedSwapsEqualTheSequentialOutputsOfTheVersionThatServedThem()
    {
        float[][] samples = TestModels.Samples(16, TestModels.MlpInputs);
        float[][][] expected = [.. _models.Select(m => samples.Select(s => TestModels.Expected(m, s)).ToArray())];
        var modelOfVersion = new ConcurrentDictionary<long, int> { [1] = 0 };
        var failures = new ConcurrentQueue<string>();
        var versionsSeen = new ConcurrentDictionary<long, byte>();
        HttpClient client = _service.CreateClient();
        using var swapsDone = new CancellationTokenSource();

        Task swapper = Task.Run(async () =>
        {
            try
            {
                for (int swap = 1; swap <= 30; swap++)
                {
                    int model = swap % 2;
                    TestModels.Save(_models[model], _path);
                    using HttpResponseMessage response = await client.PostAsync("/models/mlp/reload", null);
                    using JsonDocument reload = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                    if (response.StatusCode != HttpStatusCode.OK)
                    {
                        failures.Enqueue($"reload {swap}: {(int)response.StatusCode} {reload.RootElement}");
                        continue;
                    }

                    modelOfVersion[reload.RootElement.GetProperty("version").GetInt64()] = model;
                }
            }
            finally
            {
                await swapsDone.CancelAsync();
            }
        });

        var results = new ConcurrentQueue<(int Sample, float[] Outputs, long Version)>();
        Task[] predictors = [.. Enumerable.Range(0, 4).Select(worker => Task.Run(async () =>
        {
            for (int i = 0; !swapsDone.IsCancellationRequested || i < 50; i++)
            {
                int sample = (worker + i) % samples.Length;
                HttpContent body = i % 2 == 0 ? Http.Json(samples[sample]) : Http.Binary(samples[sample]);
                using HttpResponseMessage response = await client.PostAsync("/models/mlp/predict", body);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    failures.Enqueue($"prediction: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                    continue;
                }

                (float[] outputs, long version, _) = await Http.Prediction(response);
                results.Enqueue((sample, outputs, version));
                versionsSeen[version] = 0;
            }
        }))];
        await Task.WhenAll([swapper, .. predictors]);

        Assert.Empty(failures);
        Assert.Equal(31, modelOfVersion.Count);
        Assert.True(versionsSeen.Count > 1, "every prediction was served by one version: the swaps did not overlap them");
        foreach ((int sample, float[] outputs, long version) in results)
        {
            Assert.True(TestModels.BitwiseEqual(expected[modelOfVersion[version]][sample], outputs), $"sample {sample} served by version {version}");
        }
    }

    [Fact]
    public async Task ASwapToACorruptFileKeepsTheOldModelServingAndReportsTheFailure()
    {
        float[] sample = TestModels.Samples(1, TestModels.MlpInputs)[0];
        HttpClient client = _service.CreateClient();
        string goodHash = (await Http.Prediction(await client.PostAsync("/models/mlp/predict", Http.Json(sample)))).Hash;
        File.WriteAllBytes(_path, [.. "NBNMODEL"u8, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]);

        using HttpResponseMessage reload = await client.PostAsync("/models/mlp/reload", null);

        Assert.Equal(HttpStatusCode.Conflict, reload.StatusCode);
        Assert.Equal("application/problem+json", reload.Content.Headers.ContentType?.MediaType);
        using (JsonDocument problem = JsonDocument.Parse(await reload.Content.ReadAsStringAsync()))
        {
            Assert.Contains($"Model 'mlp' could not be reloaded; version 1 ({goodHash}) keeps serving.", problem.RootElement.GetProperty("detail").GetString());
        }

        (float[] outputs, long version, string hash) = await Http.Prediction(await client.PostAsync("/models/mlp/predict", Http.Binary(sample)));
        Assert.Equal((1, goodHash), (version, hash));
        Assert.True(TestModels.BitwiseEqual(TestModels.Expected(_models[0], sample), outputs));
        using (JsonDocument models = JsonDocument.Parse(await client.GetStringAsync("/models")))
        {
            JsonElement mlp = models.RootElement[0];
            Assert.Equal(1, mlp.GetProperty("failedReloads").GetInt64());
            Assert.Contains("served.nbm", mlp.GetProperty("lastError").GetString());
        }

        Assert.Equal("Degraded", await client.GetStringAsync("/health"));

        TestModels.Save(_models[1], _path);
        using HttpResponseMessage recovered = await client.PostAsync("/models/mlp/reload", null);
        Assert.Equal(HttpStatusCode.OK, recovered.StatusCode);
        Assert.Equal(2, (await Http.Prediction(await client.PostAsync("/models/mlp/predict", Http.Json(sample)))).Version);
        Assert.Equal("Healthy", await client.GetStringAsync("/health"));
    }

    [Fact]
    public async Task ASwapToAModelOfOtherWidthsIsRefused()
    {
        HttpClient client = _service.CreateClient();
        TestModels.Save(TestModels.Mlp(3, outputs: 5), _path);

        using HttpResponseMessage reload = await client.PostAsync("/models/mlp/reload", null);

        Assert.Equal(HttpStatusCode.Conflict, reload.StatusCode);
        Assert.Contains("takes 8 inputs and gives 5 outputs", await reload.Content.ReadAsStringAsync());
    }
}
