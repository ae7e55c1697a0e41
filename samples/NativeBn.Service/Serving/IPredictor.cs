namespace NativeBn.Service.Serving;

/// <summary>
/// One named model the service predicts with, whatever engine runs it. Thread-safe; a reload swaps the whole model at
/// once, and a prediction uses one version from start to end. The widths never change while the service runs.
/// </summary>
public interface IPredictor
{
    /// <summary>The model's name, the <c>{name}</c> of the routes.</summary>
    string Name { get; }

    /// <summary>Features per sample (float32).</summary>
    int InputWidth { get; }

    /// <summary>Outputs per sample (float32).</summary>
    int OutputWidth { get; }

    /// <summary>Engine time of the predictions made through the endpoints.</summary>
    EngineClock Clock { get; }

    /// <summary>Predicts one sample; returns the version that made the prediction.</summary>
    ServedVersion Predict(ReadOnlySpan<float> features, Span<float> outputs);

    /// <summary>What is loaded now, and the last reload's error.</summary>
    LoadedModel Describe();

    /// <summary>Reads the model's file again; false (and <paramref name="error"/>) when it failed and the old version keeps serving.</summary>
    bool Reload(out string? error);
}
