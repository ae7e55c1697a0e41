using System.Net;
using System.Text.Json;
using NativeBn.Model;

namespace NativeBn.Service.Tests;

public sealed class PredictionTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly ModelDescription _mlp = TestModels.Mlp(1);
    private readonly ModelDescription _cnn = TestModels.Cnn(2);
    private readonly string _mlpHash;
    private readonly string _cnnHash;
    private readonly ServiceFactory _service;

    public PredictionTests()
    {
        _mlpHash = TestModels.Save(_mlp, _folder.File("mlp.nbm"));
        _cnnHash = TestModels.Save(_cnn, _folder.File("cnn.nbm"));
        _service = new ServiceFactory(new Dictionary<string, string> { ["mlp"] = _folder.File("mlp.nbm"), ["cnn"] = _folder.File("cnn.nbm") });
    }

    public void Dispose()
    {
        _service.Dispose();
        _folder.Dispose();
    }

    [Theory]
    [InlineData("mlp", false)]
    [InlineData("mlp", true)]
    [InlineData("cnn", false)]
    [InlineData("cnn", true)]
    public async Task PredictionsEqualThePlansOutputsBitwise(string name, bool binary)
    {
        (ModelDescription model, string hash, int width) = name == "mlp" ? (_mlp, _mlpHash, TestModels.MlpInputs) : (_cnn, _cnnHash, 36);
        HttpClient client = _service.CreateClient();
        foreach (float[] sample in TestModels.Samples(20, width))
        {
            using HttpResponseMessage response = await client.PostAsync($"/models/{name}/predict", binary ? Http.Binary(sample) : Http.Json(sample));
            (float[] outputs, long version, string served) = await Http.Prediction(response);

            Assert.True(TestModels.BitwiseEqual(TestModels.Expected(model, sample), outputs));
            Assert.Equal((1, hash), (version, served));
            Assert.True(double.Parse(response.Headers.GetValues("Engine-Microseconds").Single(), System.Globalization.CultureInfo.InvariantCulture) >= 0);
        }
    }

    [Fact]
    public async Task ModelsListsEachModelWithItsVersionHashWidthsAndPredictionCount()
    {
        HttpClient client = _service.CreateClient();
        using (await client.PostAsync("/models/cnn/predict", Http.Json(new float[36])))
        {
        }

        using JsonDocument models = JsonDocument.Parse(await client.GetStringAsync("/models"));

        JsonElement[] entries = [.. models.RootElement.EnumerateArray()];
        // Configuration lists its keys in order, so the models come by name.
        Assert.Equal(["cnn", "mlp"], entries.Select(e => e.GetProperty("name").GetString()));
        Assert.Equal((1, _cnnHash, _folder.File("cnn.nbm"), 36, 3, JsonValueKind.Null, 0, 1),
            (entries[0].GetProperty("version").GetInt64(), entries[0].GetProperty("hash").GetString(), entries[0].GetProperty("source").GetString(),
             entries[0].GetProperty("inputWidth").GetInt32(), entries[0].GetProperty("outputWidth").GetInt32(),
             entries[0].GetProperty("lastError").ValueKind, entries[0].GetProperty("failedReloads").GetInt64(), entries[0].GetProperty("predictions").GetInt64()));
        Assert.Equal((8, 4, 0), (entries[1].GetProperty("inputWidth").GetInt32(), entries[1].GetProperty("outputWidth").GetInt32(), entries[1].GetProperty("predictions").GetInt64()));
        Assert.True(entries[0].GetProperty("engineMicroseconds").GetDouble() > 0);
        Assert.True(entries[1].TryGetProperty("loadedAt", out _));
    }

    [Fact]
    public async Task HealthIsHealthyWithEveryModelLoaded()
    {
        HttpClient client = _service.CreateClient();

        using HttpResponseMessage response = await client.GetAsync("/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }
}
