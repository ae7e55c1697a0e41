using NativeBn.Mpi.Worker;
using NativeBn.Normalization;

namespace NativeBn.Mpi.Tests;

/// <summary>
/// SyncBatchNorm across MPI processes against one process training on the concatenated batch: outputs, input
/// gradients, gamma/beta gradients (relative error ≤ 1e-6) and running statistics (≤ 1e-12), on every rank, with
/// unequal shares and ranks without samples; every rank keeps bit-identical statistics; steady-state steps allocate
/// nothing.
/// </summary>
public sealed class SyncBatchNormTests
{
    [MpiTheory]
    [InlineData("NC", new[] { 8, 8 })]
    [InlineData("NC", new[] { 5, 4, 7 })]
    [InlineData("NCHW", new[] { 3, 0, 5 })]
    [InlineData("NHWC", new[] { 1, 6 })]
    public void EveryRankMatchesOneProcessOnTheConcatenatedBatch(string layout, int[] sizes)
    {
        string folder = MpiJobRunner.RunScenario(sizes.Length, "syncbn", [layout, .. sizes.Select(s => s.ToString(System.Globalization.CultureInfo.InvariantCulture))]);
        var ranks = Enumerable.Range(0, sizes.Length).Select(r => ResultFile.Read(Path.Combine(folder, $"rank{r}.txt"))).ToArray();

        BatchNorm reference = ScenarioData.Layer(synchronizer: null);
        int total = sizes.Sum();
        for (int step = 0; step < SyncBatchNormScenario.Steps; step++)
        {
            TensorShape whole = ScenarioData.Shape(layout, total);
            float[] x = ScenarioData.Batch(whole, 100 + step);
            float[] dy = ScenarioData.Gradient(x.Length, 200 + step);
            float[] y = new float[x.Length], dx = new float[x.Length];
            reference.Forward(x, whole, y, BatchNormMode.Training);
            reference.Backward(x, dy, whole, dx);
            int sample = x.Length / total;
            for (int rank = 0; rank < sizes.Length; rank++)
            {
                (int first, int end) = ScenarioData.Part(sizes, rank);
                string what = $"step {step}, rank {rank}";
                Closeness.Assert(Closeness.Of(y.AsSpan(first * sample, (end - first) * sample)), ranks[rank][$"y{step}"], 1e-6, $"{what} y");
                Closeness.Assert(Closeness.Of(dx.AsSpan(first * sample, (end - first) * sample)), ranks[rank][$"dx{step}"], 1e-6, $"{what} dx");
                Closeness.Assert(Closeness.Of(reference.GammaGradient), ranks[rank][$"dgamma{step}"], 1e-6, $"{what} dgamma");
                Closeness.Assert(Closeness.Of(reference.BetaGradient), ranks[rank][$"dbeta{step}"], 1e-6, $"{what} dbeta");
                Closeness.Assert(reference.RunningMean.ToArray(), ranks[rank][$"runningMean{step}"], 1e-12, $"{what} running mean");
                Closeness.Assert(reference.RunningVariance.ToArray(), ranks[rank][$"runningVariance{step}"], 1e-12, $"{what} running variance");
                Assert.Equal(ranks[0][$"runningVariance{step}"], ranks[rank][$"runningVariance{step}"]);
                if (step > 0)
                {
                    Assert.Equal([0.0], ranks[rank][$"allocated{step}"]);
                }
            }
        }
    }

    [MpiFact]
    public void ARankThatRejectsItsBatchMakesEveryRankThrowAndChangesNoLayer()
    {
        string folder = MpiJobRunner.RunScenario(3, "failure");
        string[][] lines = [.. Enumerable.Range(0, 3).Select(r => File.ReadAllLines(Path.Combine(folder, $"rank{r}.txt")))];

        Assert.StartsWith("forward ArgumentException: y has", lines[1][0]);
        Assert.StartsWith("backward ArgumentException: outputGradient has", lines[1][2]);
        foreach (int rank in new[] { 0, 2 })
        {
            Assert.StartsWith("forward BatchSynchronizationException: The synchronized batch was abandoned: participant(s) 1 rejected", lines[rank][0]);
            Assert.StartsWith("backward BatchSynchronizationException: The synchronized batch was abandoned: participant(s) 1 rejected", lines[rank][2]);
        }

        Assert.All(lines, l => Assert.Equal("unchanged True", l[1]));
    }
}
