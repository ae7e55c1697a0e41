using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using NativeBn.Hosting;
using NativeBn.Service.Serving;

namespace NativeBn.Service;

/// <summary>
/// NativeBn's own routes beside the engine-neutral ones: <c>GET /models/{name}/drift</c>, the live drift report of the
/// serving version (see README, "Live drift monitoring"), and <c>POST /models/{name}/recalibrate</c>, which serves the
/// model recalibrated from the drift window as a new version (409 with the reason when it cannot: window not full,
/// folded model, monitoring off).
/// </summary>
internal static class DriftEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/models/{name}/drift", Drift);
        app.MapPost("/models/{name}/recalibrate", Recalibrate);
    }

    private static Results<JsonHttpResult<DriftReport>, ProblemHttpResult> Drift(string name, INativeBnModels models, IPredictors predictors)
    {
        if (!models.TryGet(name, out IModelHandle? handle))
        {
            return Problems.Result(Problems.UnknownModel(name, predictors));
        }

        return TypedResults.Json(DriftReport.Of(name, handle.Drift), DriftJsonContext.Default.DriftReport);
    }

    private static Results<JsonHttpResult<ReloadResult>, ProblemHttpResult> Recalibrate(string name, INativeBnModels models, IPredictors predictors)
    {
        if (!models.TryGet(name, out IModelHandle? handle))
        {
            return Problems.Result(Problems.UnknownModel(name, predictors));
        }

        try
        {
            ModelSnapshot now = handle.Recalibrate();
            return TypedResults.Json(new ReloadResult(name, now.Version, now.ContentHash), ServiceJsonContext.Default.ReloadResult);
        }
        catch (InvalidOperationException e)
        {
            return TypedResults.Problem(detail: e.Message, statusCode: StatusCodes.Status409Conflict, title: "Recalibration refused");
        }
    }
}

/// <summary>The body of <c>GET /models/{name}/drift</c>.</summary>
public sealed record DriftReport(
    string Name, long Version, string State, string Description, bool Drifting, int SampledPredictions, int WindowLength,
    int SampleEvery, long SkippedPredictions, LayerDriftReport[] Layers)
{
    internal static DriftReport Of(string name, ModelDrift drift) => new(
        name, drift.Version, drift.State.ToString(), drift.Description, drift.IsDrifting, drift.SampledPredictions, drift.WindowLength,
        drift.SampleEvery, drift.SkippedPredictions,
        [.. drift.Layers.Select(l => new LayerDriftReport(
            l.Name, l.Channels, l.ValuesPerChannel, l.MeanShift, l.MeanShiftChannel, l.LogVarianceRatio, l.LogVarianceRatioChannel, l.IsPastThreshold))]);
}

/// <summary>One BatchNorm layer of a <see cref="DriftReport"/>: the largest mean shift (stored standard deviations) and log variance ratio over its channels.</summary>
public sealed record LayerDriftReport(
    string Name, int Channels, int ValuesPerChannel, double MeanShift, int MeanShiftChannel, double LogVarianceRatio,
    int LogVarianceRatioChannel, bool PastThreshold);

/// <summary>JSON of the drift routes, generated at build time.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(DriftReport))]
internal sealed partial class DriftJsonContext : JsonSerializerContext;
