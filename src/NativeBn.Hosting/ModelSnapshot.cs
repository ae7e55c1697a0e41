using NativeBn.Model;
using NativeBn.Network;

namespace NativeBn.Hosting;

/// <summary>
/// One loaded model, immutable: what a model handle serves until the next successful reload replaces it as a whole.
/// Holding a snapshot keeps that model usable after a swap.
/// </summary>
public sealed class ModelSnapshot
{
    internal ModelSnapshot(
        ModelDescription model, InferencePlan plan, long version, string contentHash, DateTimeOffset loadedAt, string source, DriftMonitor? monitor)
    {
        Model = model;
        Plan = plan;
        Version = version;
        ContentHash = contentHash;
        LoadedAt = loadedAt;
        Source = source;
        Monitor = monitor;
    }

    /// <summary>The model as read.</summary>
    public ModelDescription Model { get; }

    /// <summary>The compiled plan that makes the predictions (thread-safe; see <see cref="InferencePlan"/>).</summary>
    public InferencePlan Plan { get; }

    /// <summary>1 for the first load of a handle, one more for each successful reload; failed reloads do not count.</summary>
    public long Version { get; }

    /// <summary>SHA-256 of the bytes the model was read from, 64 lowercase hexadecimal digits.</summary>
    public string ContentHash { get; }

    /// <summary>When the load finished.</summary>
    public DateTimeOffset LoadedAt { get; }

    /// <summary>The file path, or a description of the stream, the bytes came from (or, after a recalibration, what it recalibrated).</summary>
    public string Source { get; }

    /// <summary>This snapshot's drift monitor, or null when monitoring is off or the plan has no BatchNorm layer.</summary>
    internal DriftMonitor? Monitor { get; }
}
