using NativeBn.Data;
using NativeBn.Mpi.Worker;
using NativeBn.Network;

namespace NativeBn.Mpi.Tests;

/// <summary>
/// Population statistics recalibrated over shards on several ranks against one process over the whole data set:
/// equal to 1e-12 (relative, in double), counts exact, with unequal shards and a rank without data.
/// </summary>
public sealed class DistributedPopulationTests
{
    [MpiTheory]
    [InlineData(new[] { 150, 90 })]
    [InlineData(new[] { 100, 0, 57 })]
    public void ShardedRecalibrationEqualsOneProcessOverAllTheData(int[] sizes)
    {
        string folder = MpiJobRunner.RunScenario(sizes.Length, "population", [.. sizes.Select(s => s.ToString(System.Globalization.CultureInfo.InvariantCulture))]);

        Sequential model = PopulationScenario.TrainedModel();
        Dataset all = ScenarioData.Classification(sizes.Sum(), 2);
        PopulationRecalibration.Run(model, all);
        BatchNormLayer[] layers = [.. model.BatchNormLayers];
        for (int rank = 0; rank < sizes.Length; rank++)
        {
            var result = ResultFile.Read(Path.Combine(folder, $"rank{rank}.txt"));
            for (int k = 0; k < layers.Length; k++)
            {
                double[] variance = layers[k].BatchNorm.PopulationVariance.ToArray();
                double[] mean = layers[k].BatchNorm.PopulationMean.ToArray();
                string what = $"rank {rank}, BatchNorm {k}";
                Assert.Equal([sizes.Sum()], result[$"count{k}"]);
                Closeness.Assert(variance, result[$"variance{k}"], 1e-12, $"{what} variance", floor: 0);
                for (int c = 0; c < mean.Length; c++)
                {
                    double scale = Math.Max(Math.Abs(mean[c]), Math.Sqrt(variance[c]));
                    Assert.True(Math.Abs(result[$"mean{k}"][c] - mean[c]) <= 1e-12 * scale, $"{what} mean[{c}]: {result[$"mean{k}"][c]:R} vs {mean[c]:R}");
                }
            }
        }
    }
}
