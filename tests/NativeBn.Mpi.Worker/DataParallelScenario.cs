using NativeBn.Network;

namespace NativeBn.Mpi.Worker;

/// <summary>
/// <c>dataparallel OUT sync|local</c>: one epoch of data-parallel training of the scenario model (batch 24, SGD with
/// momentum: Adam would turn the rounding noise in the zero gradient of a bias followed by BatchNorm into full-size
/// steps, which no two summation orders reproduce) and the resulting parameters and running statistics in
/// <c>OUT/rank{r}.txt</c>.
/// </summary>
public static class DataParallelScenario
{
    public const int BatchSize = 24;
    public const int Samples = 240;

    public static void Run(MpiCommunicator world, string output, bool synchronize)
    {
        Sequential model = ScenarioData.Model();
        var trainer = new DataParallelTrainer(model, new SgdMomentum(0.05), BatchSize, 4, world, synchronize);
        double loss = trainer.Epoch(ScenarioData.Classification(Samples, 1), 0);
        var results = model.Parameters.Select(p => (p.Name, ResultFile.Of(p.Values()))).ToList();
        results.AddRange(model.BatchNormLayers.Select((l, k) => ($"runningMean{k}", ResultFile.Of(l.BatchNorm.RunningMean))));
        results.Add(("loss", [loss]));
        ResultFile.Write(Path.Combine(output, $"rank{world.Rank}.txt"), results);
    }
}
