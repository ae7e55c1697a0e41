using System.Diagnostics.Metrics;

namespace NativeBn.Hosting.Tests;

/// <summary>The last value of each drift gauge per (model, layer), and the sum of every counter per model, of one container's meter.</summary>
internal sealed class DriftInstruments : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly Dictionary<(string Instrument, string? Model, string? Layer), double> _values = [];
    private readonly Lock _lock = new();

    public DriftInstruments(IMeterFactory factory)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == NativeBnMetrics.MeterName && ReferenceEquals(instrument.Meter.Scope, factory))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Add(instrument, value, tags, sum: true));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Add(instrument, value, tags, sum: false));
        _listener.Start();
    }

    /// <summary>Asks the gauges for their values now.</summary>
    public void Collect() => _listener.RecordObservableInstruments();

    public double? Value(string instrument, string model, string? layer = null)
    {
        lock (_lock)
        {
            return _values.TryGetValue((instrument, model, layer), out double value) ? value : null;
        }
    }

    public void Dispose() => _listener.Dispose();

    private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags, bool sum)
    {
        string? model = null, layer = null;
        foreach (var (key, tagValue) in tags)
        {
            if (key == NativeBnMetrics.ModelTag)
            {
                model = (string?)tagValue;
            }
            else if (key == NativeBnMetrics.LayerTag)
            {
                layer = (string?)tagValue;
            }
        }

        lock (_lock)
        {
            var key = (instrument.Name, model, layer);
            _values[key] = sum ? _values.GetValueOrDefault(key) + value : value;
        }
    }
}
