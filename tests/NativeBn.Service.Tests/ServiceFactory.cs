using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;

namespace NativeBn.Service.Tests;

/// <summary>
/// The sample service in process (its own Program and appsettings.json), with the models given here: each name maps to
/// a file, replacing appsettings' "mlp" when one is named so. No file watching: only POST reload swaps.
/// </summary>
internal sealed class ServiceFactory(IReadOnlyDictionary<string, string> models, IReadOnlyDictionary<string, string?>? settings = null)
    : WebApplicationFactory<Program>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        var values = new Dictionary<string, string?>();
        foreach ((string name, string path) in models)
        {
            values[$"NativeBn:Models:{name}:Path"] = path;
            values[$"NativeBn:Models:{name}:WatchFile"] = "false";
        }

        foreach ((string key, string? value) in settings ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }

        builder.ConfigureAppConfiguration(configuration => configuration.AddInMemoryCollection(values));
    }
}
