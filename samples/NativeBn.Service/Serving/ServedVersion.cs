using System.Globalization;

namespace NativeBn.Service.Serving;

/// <summary>
/// The version of a model that made a prediction: its load count from 1 and the SHA-256 of its bytes. Created once per
/// loaded version (<see cref="VersionText"/> is the response header, formatted once).
/// </summary>
public sealed class ServedVersion(object loaded, long version, string hash)
{
    /// <summary>The engine's object for this version; a predictor compares it to reuse the instance.</summary>
    public object Loaded { get; } = loaded;

    public long Version { get; } = version;

    /// <summary>64 lowercase hexadecimal digits.</summary>
    public string Hash { get; } = hash;

    public string VersionText { get; } = version.ToString(CultureInfo.InvariantCulture);
}
