using System.Diagnostics.CodeAnalysis;
using NativeBn.Service.Serving;

namespace NativeBn.Service.Onnx;

/// <summary>
/// The models of configuration section <c>NativeBn:Models</c> (as the NativeBn service reads it; only <c>Path</c> is
/// used, relative paths from the content root), each in ONNX Runtime.
/// </summary>
internal sealed class OnnxPredictors : IPredictors
{
    private readonly Dictionary<string, IPredictor> _byName;

    public OnnxPredictors(IConfiguration configuration, string contentRoot)
    {
        All = [.. configuration.GetSection("NativeBn:Models").GetChildren().Select(model => new OnnxPredictor(model.Key,
            Path.GetFullPath(model["Path"] ?? throw new InvalidOperationException($"'{model.Path}:Path' is missing: the ONNX file of model '{model.Key}'."), contentRoot)))];
        if (All.Count == 0)
        {
            throw new InvalidOperationException("No models are configured under 'NativeBn:Models'.");
        }

        _byName = All.ToDictionary(p => p.Name, StringComparer.Ordinal);
    }

    public IReadOnlyList<IPredictor> All { get; }

    public bool TryGet(string name, [NotNullWhen(true)] out IPredictor? predictor) => _byName.TryGetValue(name, out predictor);
}
