using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;

namespace NativeBn.Service.Serving;

/// <summary>What the NativeBn service and its ONNX Runtime twin share: limits, JSON, problem responses, routes.</summary>
public static class ServiceSetup
{
    /// <summary>
    /// Registers the shared services. Configuration: <c>Service:MaxBodyBaseBytes</c> and
    /// <c>Service:MaxBodyBytesPerFeature</c> (<see cref="BodyLimits"/>). The host registers its <see cref="IPredictors"/>.
    /// </summary>
    public static void AddServing(WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);
        builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.TypeInfoResolverChain.Insert(0, ServiceJsonContext.Default));
        builder.Services.AddProblemDetails();
        builder.Services.AddSingleton(services =>
        {
            IConfiguration configuration = services.GetRequiredService<IConfiguration>();
            return new BodyLimits(configuration.GetValue("Service:MaxBodyBaseBytes", 1024), configuration.GetValue("Service:MaxBodyBytesPerFeature", 64));
        });
    }

    /// <summary>
    /// Adds the exception handler (an exception that escapes a handler becomes a problem response; the server's
    /// <see cref="BadHttpRequestException"/> and <see cref="JsonException"/> are 4xx), problem bodies for bare 4xx
    /// responses (unknown routes, wrong methods), the model routes and <c>GET /health</c>.
    /// </summary>
    public static void MapServing(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseExceptionHandler(new ExceptionHandlerOptions { StatusCodeSelector = StatusOf });
        app.UseStatusCodePages();
        ModelEndpoints.Map(app);
        app.MapHealthChecks("/health");
    }

    /// <summary>The status of a response for an exception that escaped a handler.</summary>
    internal static int StatusOf(Exception exception) => exception switch
    {
        BadHttpRequestException bad => bad.StatusCode,
        ProblemException problem => problem.Status,
        JsonException => StatusCodes.Status400BadRequest,
        _ => StatusCodes.Status500InternalServerError,
    };
}
