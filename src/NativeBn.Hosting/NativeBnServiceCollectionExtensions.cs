using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NativeBn.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers NativeBn model serving in a service collection.</summary>
public static class NativeBnServiceCollectionExtensions
{
    /// <summary>
    /// Registers the models <paramref name="configure"/> describes as singletons: <see cref="INativeBnModels"/>,
    /// <see cref="NativeBnMetrics"/> (on the container's <see cref="IMeterFactory"/> when there is one) and
    /// <see cref="NativeBnHealthCheck"/>; validates <see cref="NativeBnOptions"/> when the host starts
    /// (<see cref="NativeBnOptionsValidator"/>, <c>ValidateOnStart</c>) and loads the models then (a hosted service), so
    /// that bad options or an unloadable model stop start-up. Without a host, the models load when
    /// <see cref="INativeBnModels"/> is first resolved. May be called again to add models.
    /// </summary>
    public static IServiceCollection AddNativeBn(this IServiceCollection services, Action<NativeBnOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<NativeBnOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<NativeBnOptions>, NativeBnOptionsValidator>());
        services.TryAddSingleton(sp => new NativeBnMetrics(sp.GetService<IMeterFactory>()));
        services.TryAddSingleton<INativeBnModels>(sp => new NativeBnModels(
            sp.GetRequiredService<IOptions<NativeBnOptions>>(),
            sp.GetRequiredService<NativeBnMetrics>(),
            sp.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance,
            sp.GetService<TimeProvider>() ?? TimeProvider.System));
        services.TryAddSingleton(sp => new NativeBnHealthCheck(sp));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, NativeBnStartup>());
        return services;
    }
}
