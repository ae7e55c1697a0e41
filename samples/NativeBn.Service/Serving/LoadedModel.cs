namespace NativeBn.Service.Serving;

/// <summary>What a predictor serves now: version, content hash, load time, file, and the last failed reload.</summary>
public sealed record LoadedModel(long Version, string Hash, DateTimeOffset LoadedAt, string Source, string? LastError, long FailedReloads);
