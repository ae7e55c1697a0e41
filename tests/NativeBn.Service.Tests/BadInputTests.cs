using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using NativeBn.Service.Serving;

namespace NativeBn.Service.Tests;

public sealed class BadInputTests : IDisposable
{
    // Body limit of the 8-feature model with the defaults: 1024 + 64 * 8 bytes.
    private const int Limit = 1024 + (64 * 8);

    private readonly TempFolder _folder = new();
    private readonly ServiceFactory _service;

    public BadInputTests()
    {
        TestModels.Save(TestModels.Mlp(1), _folder.File("mlp.nbm"));
        _service = new ServiceFactory(new Dictionary<string, string> { ["mlp"] = _folder.File("mlp.nbm") });
    }

    public static TheoryData<string, string, string?, int, string> Cases => new()
    {
        { "mlp", """{"features":[1,2,3,4,5,6,7]}""", "application/json", 400, "Model 'mlp' takes 8 features; the body has 7." },
        { "mlp", """{"features":[1,2,3,4,5,6,7,8,9]}""", "application/json", 400, "Model 'mlp' takes 8 features; the body has 9." },
        { "mlp", """{"features":[1,2,3,4,5,6,7,8]""", "application/json", 400, "The body is not valid JSON" },
        { "mlp", """{"features":[1,2,3,4,5,6,7,8]} {}""", "application/json", 400, "The body is not valid JSON" },
        { "mlp", "", "application/json", 400, "The body is not valid JSON" },
        { "mlp", """{"features":[1,"2",3,4,5,6,7,8]}""", "application/json", 400, "Feature 1 is String; features must be numbers." },
        { "mlp", """{"features":[1,2,null,4,5,6,7,8]}""", "application/json", 400, "Feature 2 is Null; features must be numbers." },
        { "mlp", """{"features":[1,2,3,4e39,5,6,7,8]}""", "application/json", 400, "Feature 3 does not fit a finite float32." },
        { "mlp", """{"features":3}""", "application/json", 400, "'features' must be an array of numbers; it is Number." },
        { "mlp", """{"values":[1,2,3,4,5,6,7,8]}""", "application/json", 400, "The JSON body has no 'features' array" },
        { "mlp", """{"features":[1,2,3,4,5,6,7,8],"features":[1,2,3,4,5,6,7,8]}""", "application/json", 400, "'features' more than once" },
        { "mlp", "[1,2,3,4,5,6,7,8]", "application/json", 400, "The JSON body must be an object" },
        { "mlp", "binary:31", "application/octet-stream", 400, "The binary body has 31 bytes, not a multiple of 4" },
        { "mlp", "binary:28", "application/octet-stream", 400, "Model 'mlp' takes 8 features; the body has 7." },
        { "mlp", "binary:36", "application/octet-stream", 400, "Model 'mlp' takes 8 features; the body has 9." },
        { "mlp", "binary-nan", "application/octet-stream", 400, "Feature 5 is NaN; features must be finite." },
        { "mlp", "large", "application/json", 413, $"model 'mlp' accepts at most {Limit}." },
        { "mlp", "binary:32", "text/plain", 415, "The Content-Type is 'text/plain'; expected application/json" },
        { "mlp", "binary:32", null, 415, "The Content-Type is missing; expected application/json" },
        { "nope", """{"features":[1,2,3,4,5,6,7,8]}""", "application/json", 404, "No model is named 'nope'; the models are: 'mlp'." },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task BadInputGetsItsStatusAndAProblemBody(string model, string body, string? contentType, int status, string detail)
    {
        HttpClient client = _service.CreateClient();

        using HttpResponseMessage response = await client.PostAsync($"/models/{model}/predict", Content(body, contentType));

        await AssertProblem(response, status, detail);
    }

    [Fact]
    public async Task AnUnknownModelsReloadIsNotFound()
    {
        using HttpResponseMessage response = await _service.CreateClient().PostAsync("/models/nope/reload", null);

        await AssertProblem(response, 404, "No model is named 'nope'");
    }

    [Fact]
    public async Task AWrongMethodGetsAProblemBody()
    {
        using HttpResponseMessage response = await _service.CreateClient().GetAsync("/models/mlp/predict");

        await AssertProblem(response, 405, null);
    }

    [Fact]
    public void ExceptionsThatEscapeAHandlerMapToClientErrors()
    {
        Assert.Equal(413, ServiceSetup.StatusOf(new BadHttpRequestException("too large", StatusCodes.Status413PayloadTooLarge)));
        Assert.Equal(400, ServiceSetup.StatusOf(new BadHttpRequestException("bad chunk")));
        Assert.Equal(400, ServiceSetup.StatusOf(new JsonException("bad")));
        Assert.Equal(500, ServiceSetup.StatusOf(new InvalidOperationException("a bug")));
    }

    public void Dispose()
    {
        _service.Dispose();
        _folder.Dispose();
    }

    private static async Task AssertProblem(HttpResponseMessage response, int status, string? detail)
    {
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(status == (int)response.StatusCode, $"expected {status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using JsonDocument problem = JsonDocument.Parse(text);
        Assert.Equal(status, problem.RootElement.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.RootElement.GetProperty("title").GetString()));
        if (detail is not null)
        {
            Assert.Contains(detail, problem.RootElement.GetProperty("detail").GetString());
        }
    }

    private static HttpContent Content(string body, string? contentType)
    {
        HttpContent content = body switch
        {
            "binary-nan" => new ByteArrayContent([.. new float[] { 1, 2, 3, 4, 5, float.NaN, 7, 8 }.SelectMany(BitConverter.GetBytes)]),
            "large" => new StringContent($$"""{"features":[1,2,3,4,5,6,7,8],"padding":"{{new string(' ', Limit)}}"}"""),
            _ when body.StartsWith("binary:", StringComparison.Ordinal) => new ByteArrayContent(new byte[int.Parse(body["binary:".Length..], System.Globalization.CultureInfo.InvariantCulture)]),
            _ => new StringContent(body),
        };
        content.Headers.ContentType = contentType is null ? null : MediaTypeHeaderValue.Parse(contentType);
        return content;
    }
}
