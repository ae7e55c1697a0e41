using NativeBn.Network;

namespace NativeBn.Native;

/// <summary>A loaded model behind a C handle, with the regime its predictions use.</summary>
internal sealed class NativeModel(Sequential model)
{
    public Sequential Model { get; } = model;

    /// <summary>Population statistics when every BatchNorm layer has them, running statistics otherwise.</summary>
    public InferenceRegime Regime { get; } = model.BatchNormLayers.All(l => l.BatchNorm.HasPopulationStatistics)
        ? InferenceRegime.Population
        : InferenceRegime.Running;
}
