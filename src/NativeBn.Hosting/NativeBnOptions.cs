using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace NativeBn.Hosting;

/// <summary>The models a process serves; validated at start-up (<see cref="NativeBnOptionsValidator"/>).</summary>
public sealed class NativeBnOptions : IValidatableObject
{
    /// <summary>The models, at least one, with distinct names.</summary>
    [ValidateEnumeratedItems]
    public IList<NativeBnModelOptions> Models { get; } = [];

    /// <summary>Adds a model read from <paramref name="path"/>; returns its options for further settings.</summary>
    public NativeBnModelOptions AddFile(string name, string path, bool watchFile = false)
    {
        var model = new NativeBnModelOptions { Name = name, Path = path, WatchFile = watchFile };
        Models.Add(model);
        return model;
    }

    /// <summary>Adds a model read from the streams <paramref name="openStream"/> opens; returns its options for further settings.</summary>
    public NativeBnModelOptions AddStream(string name, Func<Stream> openStream)
    {
        var model = new NativeBnModelOptions { Name = name, OpenStream = openStream };
        Models.Add(model);
        return model;
    }

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Models.Count == 0)
        {
            yield return new ValidationResult("No models are configured; add at least one to NativeBnOptions.Models.", [nameof(Models)]);
        }

        foreach (string name in Models.GroupBy(m => m.Name, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key))
        {
            yield return new ValidationResult($"The model name '{name}' is used more than once; names must be distinct.", [nameof(Models)]);
        }
    }
}
