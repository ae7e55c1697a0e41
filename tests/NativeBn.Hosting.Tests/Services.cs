using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace NativeBn.Hosting.Tests;

/// <summary>A real container with AddNativeBn, metrics (IMeterFactory) and captured logs.</summary>
internal static class Services
{
    public static ServiceProvider Build(Action<NativeBnOptions> configure, CapturedLogs? logs = null)
    {
        var services = new ServiceCollection();
        services.AddMetrics();
        services.AddLogging(builder =>
        {
            builder.SetMinimumLevel(LogLevel.Trace);
            if (logs is not null)
            {
                builder.AddProvider(logs);
            }
        });
        services.AddNativeBn(configure);
        services.AddHealthChecks().AddNativeBn();
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }
}
