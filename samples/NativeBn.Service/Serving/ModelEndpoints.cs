using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;

namespace NativeBn.Service.Serving;

/// <summary>
/// The HTTP surface: <c>POST /models/{name}/predict</c>, <c>GET /models</c> and <c>POST /models/{name}/reload</c>.
/// Every refusal is a 4xx RFC 7807 problem (see <see cref="Problems"/>).
/// </summary>
internal static class ModelEndpoints
{
    /// <summary>Response header: the version of the model that made the prediction.</summary>
    public const string VersionHeader = "Model-Version";

    /// <summary>Response header: the SHA-256 of that version's bytes.</summary>
    public const string HashHeader = "Model-Hash";

    /// <summary>Response header: the engine's time for the prediction alone, in microseconds.</summary>
    public const string EngineTimeHeader = "Engine-Microseconds";

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/models/{name}/predict", new RequestDelegate(PredictAsync));
        app.MapGet("/models", (IPredictors predictors) =>
            TypedResults.Json(predictors.All.Select(ModelInfo.Of).ToArray(), ServiceJsonContext.Default.ModelInfoArray));
        app.MapPost("/models/{name}/reload", Reload);
    }

    private static Results<JsonHttpResult<ReloadResult>, ProblemHttpResult> Reload(string name, IPredictors predictors)
    {
        if (!predictors.TryGet(name, out IPredictor? predictor))
        {
            return Problems.Result(Problems.UnknownModel(name, predictors));
        }

        if (!predictor.Reload(out string? error))
        {
            LoadedModel serving = predictor.Describe();
            return TypedResults.Problem(
                detail: $"Model '{name}' could not be reloaded; version {serving.Version} ({serving.Hash}) keeps serving. {error}",
                statusCode: StatusCodes.Status409Conflict,
                title: "Reload failed");
        }

        LoadedModel loaded = predictor.Describe();
        return TypedResults.Json(new ReloadResult(name, loaded.Version, loaded.Hash), ServiceJsonContext.Default.ReloadResult);
    }

    private static async Task PredictAsync(HttpContext context)
    {
        var predictors = context.RequestServices.GetRequiredService<IPredictors>();
        string name = context.Request.RouteValues["name"] as string ?? "";
        try
        {
            if (!predictors.TryGet(name, out IPredictor? predictor))
            {
                throw Problems.UnknownModel(name, predictors);
            }

            bool json = context.Request.HasJsonContentType();
            if (!json && !IsOctetStream(context.Request.ContentType))
            {
                throw Problems.UnsupportedMediaType(context.Request.ContentType);
            }

            int limit = context.RequestServices.GetRequiredService<BodyLimits>().For(predictor.InputWidth);
            (byte[] body, int length) = await RequestBody.ReadAsync(context, name, limit);
            float[] features = ArrayPool<float>.Shared.Rent(predictor.InputWidth);
            float[] outputs = ArrayPool<float>.Shared.Rent(predictor.OutputWidth);
            try
            {
                Respond(context, predictor, body.AsSpan(0, length), json, features.AsSpan(0, predictor.InputWidth), outputs.AsSpan(0, predictor.OutputWidth));
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(body);
                ArrayPool<float>.Shared.Return(features);
                ArrayPool<float>.Shared.Return(outputs);
            }

            await context.Response.BodyWriter.FlushAsync(context.RequestAborted);
        }
        catch (ProblemException problem)
        {
            await Problems.Result(problem).ExecuteAsync(context);
        }
    }

    private static void Respond(HttpContext context, IPredictor predictor, ReadOnlySpan<byte> body, bool json, Span<float> features, Span<float> outputs)
    {
        if (json)
        {
            FeatureReader.ReadJson(body, features, predictor.Name);
        }
        else
        {
            FeatureReader.ReadBinary(body, features, predictor.Name);
        }

        long start = Stopwatch.GetTimestamp();
        ServedVersion version = predictor.Predict(features, outputs);
        long ticks = Stopwatch.GetTimestamp() - start;
        predictor.Clock.Add(ticks);

        HttpResponse response = context.Response;
        response.Headers[VersionHeader] = version.VersionText;
        response.Headers[HashHeader] = version.Hash;
        response.Headers[EngineTimeHeader] = (ticks * 1e6 / Stopwatch.Frequency).ToString("0.0", CultureInfo.InvariantCulture);
        if (json)
        {
            response.ContentType = "application/json; charset=utf-8";
            OutputWriter.WriteJson(response.BodyWriter, outputs, version);
        }
        else
        {
            response.ContentType = "application/octet-stream";
            response.ContentLength = outputs.Length * sizeof(float);
            OutputWriter.WriteBinary(response.BodyWriter, outputs);
        }
    }

    private static bool IsOctetStream(string? contentType)
    {
        const string OctetStream = "application/octet-stream";
        ReadOnlySpan<char> type = contentType.AsSpan().Trim();
        return type.StartsWith(OctetStream, StringComparison.OrdinalIgnoreCase)
            && (type.Length == OctetStream.Length || type[OctetStream.Length] is ';' or ' ');
    }
}
