using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace NativeBn.Hosting;

/// <summary>
/// Healthy when every model is loaded and its last reload succeeded; Degraded when a model's last reload failed (its
/// previous version still serves); Unhealthy (the registration's failure status) when the models could not be loaded at
/// all. The data has, per model, <c>{name}.version</c>, <c>{name}.hash</c>, <c>{name}.loadedAt</c>,
/// <c>{name}.failedReloads</c> and, after a failed reload, <c>{name}.lastError</c>.
/// </summary>
public sealed class NativeBnHealthCheck : IHealthCheck
{
    private readonly IServiceProvider _services;

    /// <summary>Creates the check; the models are resolved when it runs, so that a failed load is reported, not thrown.</summary>
    public NativeBnHealthCheck(IServiceProvider services) => _services = services;

    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        INativeBnModels models;
        try
        {
            models = (INativeBnModels?)_services.GetService(typeof(INativeBnModels))
                ?? throw new InvalidOperationException("INativeBnModels is not registered; call services.AddNativeBn(...).");
        }
        catch (Exception e)
        {
            return Task.FromResult(new HealthCheckResult(context.Registration.FailureStatus, "The models could not be loaded.", e));
        }

        var data = new Dictionary<string, object>(StringComparer.Ordinal);
        var failed = new List<string>();
        foreach (IModelHandle handle in models.All)
        {
            ModelSnapshot current = handle.Current;
            data[$"{handle.Name}.version"] = current.Version;
            data[$"{handle.Name}.hash"] = current.ContentHash;
            data[$"{handle.Name}.loadedAt"] = current.LoadedAt;
            data[$"{handle.Name}.failedReloads"] = handle.FailedReloadCount;
            if (handle.LastError is { } error)
            {
                data[$"{handle.Name}.lastError"] = error.Message;
                failed.Add($"'{handle.Name}' (version {current.Version} still serving): {error.Message}");
            }
        }

        return Task.FromResult(failed.Count == 0
            ? HealthCheckResult.Healthy($"{models.All.Count} model(s) loaded.", data)
            : HealthCheckResult.Degraded($"The last reload failed for {string.Join("; ", failed)}", data: data));
    }
}
