using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace NativeBn.Hosting;

/// <summary>
/// Loads every configured model when created (reading <see cref="IOptions{TOptions}.Value"/> validates the options
/// first) and throws when one cannot be loaded; disposing stops the file watchers.
/// </summary>
internal sealed class NativeBnModels : INativeBnModels, IDisposable
{
    private readonly ModelHandle[] _handles;
    private readonly Dictionary<string, ModelHandle> _byName;

    public NativeBnModels(IOptions<NativeBnOptions> options, NativeBnMetrics metrics, ILoggerFactory loggerFactory, TimeProvider time)
    {
        ILogger logger = loggerFactory.CreateLogger("NativeBn.Hosting");
        var handles = new List<ModelHandle>();
        try
        {
            foreach (NativeBnModelOptions model in options.Value.Models)
            {
                handles.Add(new ModelHandle(model, metrics, logger, time));
            }
        }
        catch
        {
            handles.ForEach(h => h.Dispose());
            throw;
        }

        _handles = [.. handles];
        _byName = _handles.ToDictionary(h => h.Name, StringComparer.Ordinal);
        metrics.Track(_handles);
    }

    public IReadOnlyList<IModelHandle> All => _handles;

    public IModelHandle Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _byName.TryGetValue(name, out ModelHandle? handle)
            ? handle
            : throw new KeyNotFoundException($"No model is named '{name}'; the models are: {string.Join(", ", _handles.Select(h => $"'{h.Name}'"))}.");
    }

    public bool TryGet(string name, [NotNullWhen(true)] out IModelHandle? handle)
    {
        ArgumentNullException.ThrowIfNull(name);
        handle = _byName.GetValueOrDefault(name);
        return handle is not null;
    }

    public void Dispose()
    {
        foreach (ModelHandle handle in _handles)
        {
            handle.Dispose();
        }
    }
}
