using System.Diagnostics.CodeAnalysis;

namespace NativeBn.Service.Serving;

/// <summary>The service's models by name (case-sensitive); a singleton.</summary>
public interface IPredictors
{
    /// <summary>Every model, in configuration order.</summary>
    IReadOnlyList<IPredictor> All { get; }

    /// <summary>The model named <paramref name="name"/>, or false.</summary>
    bool TryGet(string name, [NotNullWhen(true)] out IPredictor? predictor);
}
