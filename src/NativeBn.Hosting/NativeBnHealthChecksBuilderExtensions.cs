using Microsoft.Extensions.Diagnostics.HealthChecks;
using NativeBn.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the NativeBn health check to a health-check registration.</summary>
public static class NativeBnHealthChecksBuilderExtensions
{
    /// <summary>
    /// Adds <see cref="NativeBnHealthCheck"/> (registered by <c>services.AddNativeBn(...)</c>) under
    /// <paramref name="name"/>; <paramref name="failureStatus"/> is reported when the models could not be loaded
    /// (Unhealthy when null).
    /// </summary>
    public static IHealthChecksBuilder AddNativeBn(this IHealthChecksBuilder builder, string name = "nativebn", HealthStatus? failureStatus = null, IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddCheck<NativeBnHealthCheck>(name, failureStatus, tags ?? []);
    }
}
