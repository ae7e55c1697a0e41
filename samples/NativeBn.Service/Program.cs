using NativeBn.Service;
using NativeBn.Service.Serving;

// The NativeBn sample service: models from configuration (section "NativeBn", see appsettings.json), predictions over
// HTTP (JSON or float32 bodies), hot reload, health. Relative model paths are taken from the content root.
WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(args);
ServiceSetup.AddServing(builder);
builder.Services.AddNativeBn(builder.Configuration.GetSection("NativeBn"), options =>
{
    foreach (NativeBn.Hosting.NativeBnModelOptions model in options.Models)
    {
        if (!string.IsNullOrWhiteSpace(model.Path))
        {
            model.Path = Path.GetFullPath(model.Path, builder.Environment.ContentRootPath);
        }
    }
});
builder.Services.AddHealthChecks().AddNativeBn();
builder.Services.AddSingleton<IPredictors>(services => new NativeBnPredictors(services.GetRequiredService<NativeBn.Hosting.INativeBnModels>()));

WebApplication app = builder.Build();
ServiceSetup.MapServing(app);
DriftEndpoints.Map(app);
app.Run();

/// <summary>The service's entry point (top-level statements above); public so that tests can host it in process.</summary>
public partial class Program;
