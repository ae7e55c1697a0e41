using NativeBn.Model;
using NativeBn.Network;

namespace NativeBn.Native;

/// <summary>A loaded model behind a C handle: its compiled plan in the regime its predictions use.</summary>
internal sealed class NativeModel
{
    public NativeModel(ModelDescription model)
    {
        Regime = model.BatchNorms.All(b => b.Population is not null) ? InferenceRegime.Population : InferenceRegime.Running;
        Plan = InferencePlan.Build(model, Regime);
    }

    /// <summary>Population statistics when every BatchNorm has them, running statistics otherwise.</summary>
    public InferenceRegime Regime { get; }

    /// <summary>The compiled model; thread-safe.</summary>
    public InferencePlan Plan { get; }
}
