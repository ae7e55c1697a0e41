using NativeBn.Datasets;
using NativeBn.Cli;
using NativeBn.Cli.Demo;
using Xunit.Abstractions;

namespace NativeBn.Tests.Cli;

/// <summary>The demo on the embedded MNIST sample with its fixed seed reproduces the symptom and the fix.</summary>
public class DemoPipelineTests(ITestOutputHelper output)
{
    [Fact]
    public void DemoReproducesTheSymptomAndRecalibrationFixesIt()
    {
        var (train, test) = MnistSample.LoadSplit();

        DemoReport report = MismatchDemo.Run(train, test, new DemoOptions());

        foreach (RegimeResult regime in report.Regimes)
        {
            output.WriteLine($"{regime.Regime.Name,-16} accuracy {regime.Accuracy:P2} latency {regime.LatencyMicroseconds:F2} us max|dp| {regime.MaxProbabilityDifference:E2}");
        }

        foreach (ScenarioResult scenario in report.Scenarios)
        {
            output.WriteLine($"{scenario.Name,-18} running {scenario.RunningAccuracy:P2} population {scenario.PopulationAccuracy:P2}");
        }

        RegimeResult Regime(string name) => report.Regimes.Single(r => r.Regime.Name == name);
        Assert.True(Regime("population").Accuracy >= 0.92, $"population accuracy {Regime("population").Accuracy:P2}");
        Assert.True(Regime("batch-stats-n1").Accuracy <= 0.20, $"batch-stats-n1 accuracy {Regime("batch-stats-n1").Accuracy:P2}");
        Assert.True(Regime("population").Accuracy >= Regime("running").Accuracy - 0.005);
        Assert.True(Regime("folded").MaxProbabilityDifference < 1e-5, $"folded max |dp| {Regime("folded").MaxProbabilityDifference:E2}");
        Assert.Equal(0, Regime("population").MaxProbabilityDifference);
    }
}
