using Microsoft.Extensions.Logging;

namespace NativeBn.Hosting;

/// <summary>The log messages of model handles, generated at build time (<see cref="LoggerMessageAttribute"/>).</summary>
internal static partial class NativeBnLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information,
        Message = "Model '{Model}' version {Version} loaded from {Source} (SHA-256 {ContentHash}).")]
    public static partial void Loaded(ILogger logger, string model, long version, string source, string contentHash);

    [LoggerMessage(EventId = 2, Level = LogLevel.Error,
        Message = "Model '{Model}' could not be reloaded from {Source}; version {Version} keeps serving.")]
    public static partial void ReloadFailed(ILogger logger, string model, string source, long version, Exception exception);

    [LoggerMessage(EventId = 3, Level = LogLevel.Critical, Message = "Model '{Model}' could not be loaded from {Source}.")]
    public static partial void LoadFailed(ILogger logger, string model, string source, Exception exception);

    [LoggerMessage(EventId = 4, Level = LogLevel.Debug, Message = "Model file {Path} of model '{Model}' changed; reloading.")]
    public static partial void FileChanged(ILogger logger, string model, string path);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning,
        Message = "Watching the file {Path} of model '{Model}' failed; changes may be missed until the next reload.")]
    public static partial void WatcherFailed(ILogger logger, string model, string path, Exception exception);

    [LoggerMessage(EventId = 6, Level = LogLevel.Information,
        Message = "Model '{Model}' version {Version} recalibrated from the BatchNorm inputs of {SampledPredictions} sampled predictions of version {PreviousVersion} (SHA-256 {ContentHash}); serving it in the Population regime.")]
    public static partial void Recalibrated(ILogger logger, string model, long version, int sampledPredictions, long previousVersion, string contentHash);

    [LoggerMessage(EventId = 7, Level = LogLevel.Warning, Message = "Model '{Model}' was not recalibrated: {Reason}")]
    public static partial void RecalibrationRefused(ILogger logger, string model, string reason);
}
