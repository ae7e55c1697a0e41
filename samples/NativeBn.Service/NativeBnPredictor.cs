using NativeBn.Hosting;
using NativeBn.Service.Serving;

namespace NativeBn.Service;

/// <summary>An <see cref="IPredictor"/> over a NativeBn.Hosting model handle (hot swap, metrics, health come from the handle).</summary>
internal sealed class NativeBnPredictor(IModelHandle handle) : IPredictor
{
    private ServedVersion _version = VersionOf(handle.Current);

    public string Name => handle.Name;

    public int InputWidth => handle.Current.Plan.InputWidth;

    public int OutputWidth => handle.Current.Plan.OutputWidth;

    public EngineClock Clock { get; } = new();

    public ServedVersion Predict(ReadOnlySpan<float> features, Span<float> outputs)
    {
        ModelSnapshot used = handle.Predict(features, outputs);
        ServedVersion version = Volatile.Read(ref _version);
        if (!ReferenceEquals(version.Loaded, used))
        {
            version = VersionOf(used);
            Volatile.Write(ref _version, version);
        }

        return version;
    }

    public LoadedModel Describe()
    {
        ModelSnapshot current = handle.Current;
        return new(current.Version, current.ContentHash, current.LoadedAt, current.Source, handle.LastError?.Message, handle.FailedReloadCount);
    }

    public bool Reload(out string? error)
    {
        bool reloaded = handle.Reload();
        error = reloaded ? null : handle.LastError?.Message;
        return reloaded;
    }

    private static ServedVersion VersionOf(ModelSnapshot snapshot) => new(snapshot, snapshot.Version, snapshot.ContentHash);
}
