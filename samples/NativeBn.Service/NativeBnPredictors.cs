using System.Diagnostics.CodeAnalysis;
using NativeBn.Hosting;
using NativeBn.Service.Serving;

namespace NativeBn.Service;

/// <summary>The configured NativeBn models as <see cref="IPredictors"/>.</summary>
internal sealed class NativeBnPredictors : IPredictors
{
    private readonly Dictionary<string, IPredictor> _byName;

    public NativeBnPredictors(INativeBnModels models)
    {
        All = [.. models.All.Select(handle => new NativeBnPredictor(handle))];
        _byName = All.ToDictionary(p => p.Name, StringComparer.Ordinal);
    }

    public IReadOnlyList<IPredictor> All { get; }

    public bool TryGet(string name, [NotNullWhen(true)] out IPredictor? predictor) => _byName.TryGetValue(name, out predictor);
}
