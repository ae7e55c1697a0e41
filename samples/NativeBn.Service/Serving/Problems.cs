using Microsoft.AspNetCore.Http.HttpResults;

namespace NativeBn.Service.Serving;

/// <summary>The service's refusals, each an RFC 7807 problem (<c>application/problem+json</c>) with a 4xx status.</summary>
internal static class Problems
{
    public static ProblemException UnknownModel(string name, IPredictors predictors) => new(StatusCodes.Status404NotFound, "Unknown model",
        $"No model is named '{name}'; the models are: {string.Join(", ", predictors.All.Select(p => $"'{p.Name}'"))}.");

    public static ProblemException UnsupportedMediaType(string? contentType) => new(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
        $"The Content-Type is {(contentType is null ? "missing" : $"'{contentType}'")}; expected application/json ({{\"features\":[...]}}) or application/octet-stream (little-endian float32 features).");

    public static ProblemException TooLarge(string model, long length, int limit) => new(StatusCodes.Status413PayloadTooLarge, "Request body too large",
        $"The body has {(length < 0 ? "more than " + limit : length)} bytes; model '{model}' accepts at most {limit}.");

    public static ProblemException BadFeatures(string detail) => new(StatusCodes.Status400BadRequest, "Invalid features", detail);

    public static ProblemException WrongCount(string model, int expected, int actual) => BadFeatures(
        $"Model '{model}' takes {expected} features; the body has {actual}.");

    public static ProblemHttpResult Result(ProblemException problem) =>
        TypedResults.Problem(detail: problem.Message, statusCode: problem.Status, title: problem.Title);
}
