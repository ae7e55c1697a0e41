using NativeBn.Data;
using NativeBn.Network;

namespace NativeBn.Mpi.Worker;

/// <summary>
/// <c>population OUT n0 n1 ...</c>: trains the scenario model briefly (the same on every rank, no MPI), then
/// recalibrates it over shards of a seeded data set (rank r holds n_r rows, possibly none) and writes every BatchNorm
/// layer's population statistics to <c>OUT/rank{r}.txt</c>.
/// </summary>
public static class PopulationScenario
{
    public static Sequential TrainedModel()
    {
        Sequential model = ScenarioData.Model();
        new Trainer(model, new Adam(1e-2), 32, 3).Epoch(ScenarioData.Classification(256, 1), 0);
        return model;
    }

    public static void Run(MpiCommunicator world, string output, int[] sizes)
    {
        Sequential model = TrainedModel();
        Dataset all = ScenarioData.Classification(sizes.Sum(), 2);
        (int first, int end) = ScenarioData.Part(sizes, world.Rank);
        Dataset shard = all.Subset([.. Enumerable.Range(first, end - first)]);
        DistributedRecalibration.Run(model, shard, world);
        ResultFile.Write(Path.Combine(output, $"rank{world.Rank}.txt"), model.BatchNormLayers.SelectMany((layer, k) => new[]
        {
            ($"mean{k}", ResultFile.Of(layer.BatchNorm.PopulationMean)),
            ($"variance{k}", ResultFile.Of(layer.BatchNorm.PopulationVariance)),
            ($"count{k}", (IEnumerable<double>)[layer.BatchNorm.PopulationCount]),
        }));
    }
}
