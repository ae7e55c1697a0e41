using NativeBn.Mpi.Worker;
using NativeBn.Network;

namespace NativeBn.Mpi.Tests;

/// <summary>
/// Data-parallel training: with SyncBatchNorm an epoch on 2 or 3 ranks gives the parameters of single-process training
/// on the same batches; with local BatchNorm the ranks still agree on the parameters but not on running statistics.
/// </summary>
public sealed class DataParallelTests
{
    [MpiTheory]
    [InlineData(2)]
    [InlineData(3)]
    public void SynchronizedTrainingMatchesOneProcess(int ranks)
    {
        string folder = MpiJobRunner.RunScenario(ranks, "dataparallel", "sync");

        Sequential model = ScenarioData.Model();
        double loss = new Trainer(model, new SgdMomentum(0.05), DataParallelScenario.BatchSize, 4).Epoch(ScenarioData.Classification(DataParallelScenario.Samples, 1), 0);
        for (int rank = 0; rank < ranks; rank++)
        {
            var result = ResultFile.Read(Path.Combine(folder, $"rank{rank}.txt"));
            foreach (Parameter parameter in model.Parameters)
            {
                Closeness.Assert(Closeness.Of(parameter.Values()), result[parameter.Name], 1e-5, $"rank {rank} {parameter.Name}");
            }

            Closeness.Assert([loss], result["loss"], 1e-5, $"rank {rank} loss");
        }
    }

    [MpiFact]
    public void LocalBatchNormKeepsParametersInStepButNotRunningStatistics()
    {
        string folder = MpiJobRunner.RunScenario(2, "dataparallel", "local");
        var rank0 = ResultFile.Read(Path.Combine(folder, "rank0.txt"));
        var rank1 = ResultFile.Read(Path.Combine(folder, "rank1.txt"));

        Sequential model = ScenarioData.Model();
        foreach (Parameter parameter in model.Parameters)
        {
            Assert.Equal(rank0[parameter.Name], rank1[parameter.Name]);
        }

        Assert.NotEqual(rank0["runningMean0"], rank1["runningMean0"]);
    }
}
