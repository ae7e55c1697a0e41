using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace NativeBn.Hosting;

/// <summary>
/// Healthy when every model is loaded, its last reload succeeded and no BatchNorm layer's input drifted past a threshold;
/// Degraded when a model's last reload failed (its previous version still serves) or a layer is past a drift threshold
/// (<see cref="ModelDrift.IsDrifting"/>); Unhealthy (the registration's failure status) when the models could not be
/// loaded at all. The data has, per model, <c>{name}.version</c>, <c>{name}.hash</c>, <c>{name}.loadedAt</c>,
/// <c>{name}.failedReloads</c>, <c>{name}.drift</c> (the <see cref="DriftState"/>), after a failed reload
/// <c>{name}.lastError</c>, and for each layer past a drift threshold <c>{name}.drift.{layer}.meanShift</c>,
/// <c>.meanShiftChannel</c>, <c>.logVarianceRatio</c> and <c>.logVarianceRatioChannel</c>.
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
        var drifting = new List<string>();
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

            ModelDrift drift = handle.Drift;
            data[$"{handle.Name}.drift"] = drift.State.ToString();
            foreach (LayerDrift layer in drift.Layers.Where(l => l.IsPastThreshold))
            {
                string key = $"{handle.Name}.drift.{layer.Name}";
                data[$"{key}.meanShift"] = layer.MeanShift;
                data[$"{key}.meanShiftChannel"] = layer.MeanShiftChannel;
                data[$"{key}.logVarianceRatio"] = layer.LogVarianceRatio;
                data[$"{key}.logVarianceRatioChannel"] = layer.LogVarianceRatioChannel;
                drifting.Add(FormattableString.Invariant(
                    $"'{handle.Name}' layer '{layer.Name}' (mean shift {layer.MeanShift:F3} in channel {layer.MeanShiftChannel}, log variance ratio {layer.LogVarianceRatio:F3} in channel {layer.LogVarianceRatioChannel})"));
            }
        }

        if (failed.Count == 0 && drifting.Count == 0)
        {
            return Task.FromResult(HealthCheckResult.Healthy($"{models.All.Count} model(s) loaded.", data));
        }

        var problems = new List<string>();
        if (failed.Count > 0)
        {
            problems.Add($"The last reload failed for {string.Join("; ", failed)}");
        }

        if (drifting.Count > 0)
        {
            problems.Add($"BatchNorm inputs drifted past a threshold for {string.Join("; ", drifting)}");
        }

        return Task.FromResult(HealthCheckResult.Degraded(string.Join(". ", problems), data: data));
    }
}
