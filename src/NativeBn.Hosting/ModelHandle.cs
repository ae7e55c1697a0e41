using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using NativeBn.Data;
using NativeBn.Model;
using NativeBn.Model.Nodes;
using NativeBn.Network;
using NativeBn.Serialization;

namespace NativeBn.Hosting;

/// <summary>
/// The <see cref="IModelHandle"/> of one configured model. The first load happens in the constructor and throws when it
/// fails (there is no older model to keep serving); later reloads never throw. A file watcher that cannot be started
/// is logged and the model served without it. Disposing stops watching the file.
/// </summary>
internal sealed class ModelHandle : IModelHandle, IDisposable
{
    private readonly NativeBnModelOptions _options;
    private readonly NativeBnMetrics _metrics;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly KeyValuePair<string, object?> _modelTag;
    private readonly Lock _reloadLock = new();
    private readonly ModelFileWatcher? _watcher;
    private ModelSnapshot _current;
    private Exception? _lastError;
    private long _failedReloads;

    public ModelHandle(NativeBnModelOptions options, NativeBnMetrics metrics, ILogger logger, TimeProvider time)
    {
        _options = options;
        _metrics = metrics;
        _logger = logger;
        _time = time;
        _modelTag = new(NativeBnMetrics.ModelTag, options.Name);
        try
        {
            _current = ModelLoader.Load(options, 1, time.GetUtcNow());
        }
        catch (Exception e)
        {
            NativeBnLog.LoadFailed(logger, options.Name, options.SourceName, e);
            throw new InvalidOperationException($"Model '{options.Name}' could not be loaded from {options.SourceName}: {e.Message}", e);
        }

        NativeBnLog.Loaded(logger, options.Name, 1, _current.Source, _current.ContentHash);
        if (options.WatchFile && options.Path is { } path)
        {
            try
            {
                _watcher = new ModelFileWatcher(path, options.WatchDebounce, OnFileChanged, OnWatcherError);
            }
            catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException)
            {
                // For example the limit on inotify instances: the model serves, reloads stay available on demand.
                NativeBnLog.WatcherFailed(logger, options.Name, path, e);
            }
        }
    }

    public string Name => _options.Name;

    public ModelSnapshot Current => Volatile.Read(ref _current);

    public Exception? LastError => Volatile.Read(ref _lastError);

    public long FailedReloadCount => Interlocked.Read(ref _failedReloads);

    public ModelSnapshot Predict(ReadOnlySpan<float> sample, Span<float> output)
    {
        ModelSnapshot snapshot = Volatile.Read(ref _current);
        bool timed = _metrics.Enabled;
        long start = timed ? Stopwatch.GetTimestamp() : 0;
        try
        {
            if (snapshot.Monitor is { } monitor && monitor.TakeSample())
            {
                monitor.Predict(snapshot.Plan, sample, output);
                _metrics.Sampled(_modelTag);
            }
            else
            {
                snapshot.Plan.Predict(sample, output);
            }
        }
        catch
        {
            _metrics.PredictionFailed(_modelTag);
            throw;
        }

        if (timed)
        {
            _metrics.Predicted(_modelTag, Stopwatch.GetElapsedTime(start));
        }

        return snapshot;
    }

    public bool Reload()
    {
        lock (_reloadLock)
        {
            ModelSnapshot serving = _current;
            try
            {
                ModelSnapshot next = ModelLoader.Load(_options, serving.Version + 1, _time.GetUtcNow());
                CheckWidths(serving, next);
                Volatile.Write(ref _current, next);
                Volatile.Write(ref _lastError, null);
            }
            catch (Exception e)
            {
                Volatile.Write(ref _lastError, e);
                Interlocked.Increment(ref _failedReloads);
                _metrics.Reloaded(_modelTag, success: false);
                NativeBnLog.ReloadFailed(_logger, Name, _options.SourceName, serving.Version, e);
                return false;
            }

            _metrics.Reloaded(_modelTag, success: true);
            NativeBnLog.Loaded(_logger, Name, _current.Version, _current.Source, _current.ContentHash);
            return true;
        }
    }

    public ModelDrift Drift => DriftMonitor.ReportOf(Current, _options);

    public ModelSnapshot Recalibrate()
    {
        lock (_reloadLock)
        {
            ModelSnapshot serving = _current;
            ModelSnapshot next;
            int sampled;
            try
            {
                if (serving.Plan.Regime == InferenceRegime.Folded || serving.Monitor is null)
                {
                    throw new InvalidOperationException(
                        $"Model '{Name}' cannot be recalibrated: {(serving.Plan.Regime == InferenceRegime.Folded ? "its plan is folded (BatchNorm statistics are part of the weights); serve the Running or Population regime to recalibrate." : Drift.Description)}");
                }

                Dictionary<string, PopulationMoments> window = serving.Monitor.WindowMoments(Name);
                sampled = (int)(window.Values.First().Count / serving.Plan.BatchNorms[0].ValuesPerChannel);
                ModelDescription model = serving.Model.WithNodes(n => n is BatchNormNode b ? b.WithPopulation(window[b.Name]) : n);
                byte[] bytes = ModelFile.Serialize(model);
                InferencePlan plan = InferencePlan.Build(model, InferenceRegime.Population);
                string source = $"{serving.Source}, recalibrated from {sampled} sampled predictions of version {serving.Version}";
                next = new ModelSnapshot(model, plan, serving.Version + 1, Convert.ToHexStringLower(SHA256.HashData(bytes)), _time.GetUtcNow(), source,
                    DriftMonitor.Create(plan, _options));
            }
            catch (InvalidOperationException e)
            {
                NativeBnLog.RecalibrationRefused(_logger, Name, e.Message);
                throw;
            }

            Volatile.Write(ref _current, next);
            _metrics.Reloaded(_modelTag, success: true);
            NativeBnLog.Recalibrated(_logger, Name, next.Version, sampled, serving.Version, next.ContentHash);
            return next;
        }
    }

    public void Dispose() => _watcher?.Dispose();

    private static void CheckWidths(ModelSnapshot serving, ModelSnapshot next)
    {
        if (next.Plan.InputWidth != serving.Plan.InputWidth || next.Plan.OutputWidth != serving.Plan.OutputWidth)
        {
            throw new DataFormatException(
                $"The new model of {next.Source} takes {next.Plan.InputWidth} inputs and gives {next.Plan.OutputWidth} outputs; " +
                $"the serving version {serving.Version} takes {serving.Plan.InputWidth} and gives {serving.Plan.OutputWidth}. " +
                "Callers size their buffers on the serving model, so a model of other widths needs a restart.");
        }
    }

    private void OnFileChanged()
    {
        NativeBnLog.FileChanged(_logger, Name, _options.Path!);
        Reload();
    }

    private void OnWatcherError(Exception e) => NativeBnLog.WatcherFailed(_logger, Name, _options.Path!, e);
}
