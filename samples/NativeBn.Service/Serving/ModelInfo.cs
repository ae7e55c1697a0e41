namespace NativeBn.Service.Serving;

/// <summary>
/// One entry of <c>GET /models</c>. <see cref="Predictions"/> and <see cref="EngineMicroseconds"/> count since start:
/// the mean engine time of the predictions between two reads is the difference of the totals over the difference of
/// the counts.
/// </summary>
public sealed record ModelInfo(
    string Name,
    long Version,
    string Hash,
    DateTimeOffset LoadedAt,
    string Source,
    int InputWidth,
    int OutputWidth,
    string? LastError,
    long FailedReloads,
    long Predictions,
    double EngineMicroseconds)
{
    public static ModelInfo Of(IPredictor predictor)
    {
        LoadedModel loaded = predictor.Describe();
        return new(predictor.Name, loaded.Version, loaded.Hash, loaded.LoadedAt, loaded.Source, predictor.InputWidth, predictor.OutputWidth,
            loaded.LastError, loaded.FailedReloads, predictor.Clock.Count, predictor.Clock.TotalMicroseconds);
    }
}
