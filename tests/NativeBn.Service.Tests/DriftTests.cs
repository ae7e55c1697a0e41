using System.Net;
using System.Text.Json;

namespace NativeBn.Service.Tests;

public sealed class DriftTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly ServiceFactory _service;

    public DriftTests()
    {
        TestModels.Save(TestModels.Mlp(1), _folder.File("mlp.nbm"));
        _service = new ServiceFactory(
            new Dictionary<string, string> { ["mlp"] = _folder.File("mlp.nbm") },
            new Dictionary<string, string?> { ["NativeBn:Models:mlp:DriftSampleEvery"] = "1", ["NativeBn:Models:mlp:DriftWindow"] = "64" });
    }

    public void Dispose()
    {
        _service.Dispose();
        _folder.Dispose();
    }

    [Fact]
    public async Task DriftIsReportedPerLayerAndRecalibrationServesANewVersionOnceTheWindowIsFull()
    {
        HttpClient client = _service.CreateClient();
        using (JsonDocument filling = await Json(await client.GetAsync("/models/mlp/drift")))
        {
            Assert.Equal("Filling", filling.RootElement.GetProperty("state").GetString());
            Assert.Equal(0, filling.RootElement.GetProperty("sampledPredictions").GetInt32());
            JsonElement layer = filling.RootElement.GetProperty("layers").EnumerateArray().Single();
            Assert.Equal(16, layer.GetProperty("channels").GetInt32());
        }

        using (HttpResponseMessage early = await client.PostAsync("/models/mlp/recalibrate", null))
        {
            Assert.Equal(HttpStatusCode.Conflict, early.StatusCode);
            Assert.Equal("application/problem+json", early.Content.Headers.ContentType?.MediaType);
            Assert.Contains("window", await early.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        }

        foreach (float[] sample in TestModels.Samples(70, TestModels.MlpInputs))
        {
            (_, long version, _) = await Http.Prediction(await client.PostAsync("/models/mlp/predict", Http.Json(sample)));
            Assert.Equal(1, version);
        }

        using (JsonDocument ready = await Json(await client.GetAsync("/models/mlp/drift")))
        {
            Assert.Equal("Ready", ready.RootElement.GetProperty("state").GetString());
            Assert.Equal(64, ready.RootElement.GetProperty("sampledPredictions").GetInt32());
            Assert.True(ready.RootElement.GetProperty("layers")[0].GetProperty("meanShift").GetDouble() >= 0);
        }

        using (JsonDocument recalibrated = await Json(await client.PostAsync("/models/mlp/recalibrate", null)))
        {
            Assert.Equal(2, recalibrated.RootElement.GetProperty("version").GetInt64());
        }

        (_, long after, _) = await Http.Prediction(await client.PostAsync("/models/mlp/predict", Http.Json(TestModels.Samples(1, TestModels.MlpInputs)[0])));
        Assert.Equal(2, after);
    }

    [Fact]
    public async Task AnUnknownModelsDriftIsNotFound()
    {
        HttpClient client = _service.CreateClient();
        using HttpResponseMessage drift = await client.GetAsync("/models/nope/drift");
        using HttpResponseMessage recalibrate = await client.PostAsync("/models/nope/recalibrate", null);
        Assert.Equal((HttpStatusCode.NotFound, HttpStatusCode.NotFound), (drift.StatusCode, recalibrate.StatusCode));
        Assert.Equal("application/problem+json", drift.Content.Headers.ContentType?.MediaType);
    }

    private static async Task<JsonDocument> Json(HttpResponseMessage response)
    {
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text);
    }
}
