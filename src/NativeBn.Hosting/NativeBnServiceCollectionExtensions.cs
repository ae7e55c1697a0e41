using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
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

    /// <summary>
    /// Registers the models a configuration section describes, as <see cref="AddNativeBn(IServiceCollection, Action{NativeBnOptions})"/>
    /// does. The section (for example <c>builder.Configuration.GetSection("NativeBn")</c>) holds <c>Models</c>, whose
    /// children are the models by name, each with <c>Path</c> (required), <c>Format</c> (<c>Auto</c>, <c>Native</c>,
    /// <c>Onnx</c>, <c>Safetensors</c>), <c>Regime</c> (<c>Running</c>, <c>Population</c>, <c>Folded</c>),
    /// <c>WatchFile</c> (true or false) and <c>WatchDebounce</c> (a time span, <c>00:00:00.5</c>). The section is read
    /// when the options are first needed (at start-up); a misspelt key, a value that does not convert or options the
    /// validator refuses stop start-up with an <see cref="OptionsValidationException"/> naming the key or the model.
    /// Bound by generated code (NativeAOT- and trim-safe); later changes of the configuration are not applied.
    /// </summary>
    public static IServiceCollection AddNativeBn(this IServiceCollection services, IConfiguration configuration) =>
        services.AddNativeBn(configuration, _ => { });

    /// <summary>
    /// Registers the models of a configuration section (see <see cref="AddNativeBn(IServiceCollection, IConfiguration)"/>),
    /// then lets <paramref name="configure"/> change them or add more (streams, which configuration cannot describe).
    /// </summary>
    public static IServiceCollection AddNativeBn(this IServiceCollection services, IConfiguration configuration, Action<NativeBnOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(configure);
        return services.AddNativeBn(options =>
        {
            NativeBnConfiguration.Apply(configuration, options);
            configure(options);
        });
    }
}
