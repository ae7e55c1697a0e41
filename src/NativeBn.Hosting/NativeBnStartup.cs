using Microsoft.Extensions.Hosting;

namespace NativeBn.Hosting;

/// <summary>Loads the models when the host starts, so that a model that cannot be loaded stops start-up.</summary>
internal sealed class NativeBnStartup(INativeBnModels models) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = models.All;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
