using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace NativeBn.Hosting;

/// <summary>
/// The instruments of the <c>NativeBn.Hosting</c> meter, each tagged with <c>nativebn.model</c> (the model's name):
/// <list type="bullet">
/// <item><c>nativebn.prediction.duration</c>: histogram of the time of each successful prediction, in seconds.</item>
/// <item><c>nativebn.predictions</c>: counter of successful predictions.</item>
/// <item><c>nativebn.prediction.errors</c>: counter of predictions that threw (wrong sample or output length).</item>
/// <item><c>nativebn.model.reloads</c>: counter of reloads (on file change or on demand; not the first load), also
/// tagged <c>nativebn.reload.result</c> = <c>success</c> or <c>failure</c>; a recalibration counts as a successful reload.</item>
/// <item><c>nativebn.drift.sampled_predictions</c>: counter of predictions sampled for drift monitoring.</item>
/// <item><c>nativebn.drift.mean_shift</c>: gauge per BatchNorm layer (also tagged <c>nativebn.layer</c>) of
/// <see cref="LayerDrift.MeanShift"/>, in stored standard deviations, once the layer's window has a complete block.</item>
/// <item><c>nativebn.drift.log_variance_ratio</c>: gauge per BatchNorm layer of <see cref="LayerDrift.LogVarianceRatio"/>
/// (signed; its magnitude is what the threshold compares).</item>
/// </list>
/// The meter comes from <see cref="IMeterFactory"/> when the container has one (so it is scoped to that container),
/// otherwise it is created here and disposed with this object.
/// </summary>
public sealed class NativeBnMetrics : IDisposable
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "NativeBn.Hosting";

    /// <summary>The tag naming the model.</summary>
    public const string ModelTag = "nativebn.model";

    /// <summary>The tag of a reload's outcome: <c>success</c> or <c>failure</c>.</summary>
    public const string ResultTag = "nativebn.reload.result";

    /// <summary>The tag naming a BatchNorm layer (its node's name) on the drift gauges.</summary>
    public const string LayerTag = "nativebn.layer";

    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _predictions;
    private readonly Counter<long> _errors;
    private readonly Counter<long> _reloads;
    private readonly Counter<long> _sampled;
    private readonly Lock _trackLock = new();
    private IModelHandle[] _monitored = [];

    /// <summary>Creates the instruments on a meter from <paramref name="meterFactory"/>, or on a meter of its own when it is null.</summary>
    public NativeBnMetrics(IMeterFactory? meterFactory)
    {
        _ownsMeter = meterFactory is null;
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _duration = _meter.CreateHistogram<double>("nativebn.prediction.duration", "s", "Time of one prediction.");
        _predictions = _meter.CreateCounter<long>("nativebn.predictions", "{prediction}", "Predictions made.");
        _errors = _meter.CreateCounter<long>("nativebn.prediction.errors", "{prediction}", "Predictions that threw.");
        _reloads = _meter.CreateCounter<long>("nativebn.model.reloads", "{reload}", "Model reloads, successful or not.");
        _sampled = _meter.CreateCounter<long>("nativebn.drift.sampled_predictions", "{prediction}", "Predictions sampled for drift monitoring.");
        _meter.CreateObservableGauge("nativebn.drift.mean_shift", () => DriftMeasurements(l => l.MeanShift), "{standard_deviation}",
            "Largest shift over channels of a BatchNorm layer's input mean, in stored standard deviations.");
        _meter.CreateObservableGauge("nativebn.drift.log_variance_ratio", () => DriftMeasurements(l => l.LogVarianceRatio), "1",
            "Largest log ratio over channels of a BatchNorm layer's input variance to the stored variance.");
    }

    /// <summary>Reports the drift of <paramref name="handles"/> on the drift gauges (in addition to those tracked already).</summary>
    internal void Track(IEnumerable<IModelHandle> handles)
    {
        lock (_trackLock)
        {
            Volatile.Write(ref _monitored, [.. _monitored, .. handles]);
        }
    }

    /// <summary>Records a prediction sampled for drift monitoring.</summary>
    internal void Sampled(KeyValuePair<string, object?> model)
    {
        if (_sampled.Enabled)
        {
            _sampled.Add(1, new TagList { model });
        }
    }

    /// <summary>Records a successful prediction that took <paramref name="elapsed"/>.</summary>
    internal void Predicted(KeyValuePair<string, object?> model, TimeSpan elapsed)
    {
        var tags = new TagList { model };
        _predictions.Add(1, tags);
        _duration.Record(elapsed.TotalSeconds, tags);
    }

    /// <summary>Records a prediction that threw.</summary>
    internal void PredictionFailed(KeyValuePair<string, object?> model) => _errors.Add(1, new TagList { model });

    /// <summary>Records a reload and its outcome.</summary>
    internal void Reloaded(KeyValuePair<string, object?> model, bool success) =>
        _reloads.Add(1, new TagList { model, new(ResultTag, success ? "success" : "failure") });

    /// <summary>Whether anyone listens to the prediction instruments (timing is skipped when nobody does).</summary>
    internal bool Enabled => _duration.Enabled || _predictions.Enabled;

    private IEnumerable<Measurement<double>> DriftMeasurements(Func<LayerDrift, double> value)
    {
        foreach (IModelHandle handle in Volatile.Read(ref _monitored))
        {
            foreach (LayerDrift layer in handle.Drift.Layers.Where(l => l.SampledPredictions > 0))
            {
                yield return new Measurement<double>(value(layer), new(ModelTag, handle.Name), new(LayerTag, layer.Name));
            }
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }
}
