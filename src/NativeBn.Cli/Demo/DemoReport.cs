using NativeBn.Network;

namespace NativeBn.Cli.Demo;

/// <summary>One inference regime of the demo on the test split.</summary>
/// <param name="Regime">The regime.</param>
/// <param name="Accuracy">Fraction of test digits classified correctly.</param>
/// <param name="LatencyMicroseconds">Mean time per sample, in microseconds.</param>
/// <param name="MaxProbabilityDifference">Largest |probability - probability under population| over all samples and classes.</param>
internal sealed record RegimeResult(EvaluationRegime Regime, double Accuracy, double LatencyMicroseconds, double MaxProbabilityDifference);

/// <summary>A scenario from the question "why is inference worse?", measured before and after recalibration.</summary>
/// <param name="Name">ema-lag or dropout-before-bn.</param>
/// <param name="Description">What the scenario reproduces.</param>
/// <param name="RunningAccuracy">Test accuracy with the running averages.</param>
/// <param name="PopulationAccuracy">Test accuracy with exact population statistics.</param>
internal sealed record ScenarioResult(string Name, string Description, double RunningAccuracy, double PopulationAccuracy);

/// <summary>Test accuracy against inference batch size for one regime.</summary>
/// <param name="Regime">Regime name.</param>
/// <param name="BatchSizes">Inference batch sizes.</param>
/// <param name="Accuracies">Accuracy at each batch size.</param>
internal sealed record AccuracyCurve(string Regime, IReadOnlyList<int> BatchSizes, IReadOnlyList<double> Accuracies);

/// <summary>Everything the demo measured, and the trained model.</summary>
/// <param name="Regimes">The five regimes in order.</param>
/// <param name="Scenarios">The EMA-lag and dropout scenarios.</param>
/// <param name="Curves">Accuracy against batch size per regime.</param>
/// <param name="FinalTrainingLoss">Mean loss of the last epoch.</param>
/// <param name="Model">The trained main model, with population statistics.</param>
internal sealed record DemoReport(
    IReadOnlyList<RegimeResult> Regimes,
    IReadOnlyList<ScenarioResult> Scenarios,
    IReadOnlyList<AccuracyCurve> Curves,
    double FinalTrainingLoss,
    Sequential Model);
