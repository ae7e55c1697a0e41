using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using NativeBn.Model;
using NativeBn.Model.Nodes;
using NativeBn.Network;
using NativeBn.Serialization;

namespace NativeBn.Mpi.Tests;

/// <summary>
/// <c>nativebn train --mpi</c> and <c>nativebn recalibrate --mpi</c> under mpirun: data-parallel training of the demo
/// network reaches the single-process accuracy, sharded recalibration equals the single-process result, and a rank that
/// cannot read its shard makes every rank exit with the error instead of hanging.
/// </summary>
public sealed class CliJobTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("nativebn-mpi-cli").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [MpiFact]
    public void DataParallelDemoTrainingReachesTheSingleProcessAccuracy()
    {
        (int code, string output, string error) single = MpiJobRunner.Run(1, MpiJobRunner.Cli, "train", "--output", Path.Combine(_folder, "single.nbm"));
        Assert.True(single.code == 0, single.error);
        double baseline = Accuracy(single.output);

        foreach (string[] extra in new[] { Array.Empty<string>(), ["--local-bn"] })
        {
            (int code, string output, string error) = MpiJobRunner.Run(2, MpiJobRunner.Cli, ["train", "--mpi", "--output", Path.Combine(_folder, "parallel.nbm"), .. extra]);
            Assert.True(code == 0, error);
            Assert.Contains("2 ranks, batch 32 split across them", output);
            double accuracy = Accuracy(output);
            Assert.True(Math.Abs(accuracy - baseline) <= 1.5, $"2 ranks {string.Join(' ', extra)}: {accuracy} % vs one process {baseline} %");
            Assert.True(accuracy >= 90, $"{accuracy} %");
        }
    }

    [MpiFact]
    public void ShardedRecalibrationEqualsOneProcessOverTheConcatenatedData()
    {
        string model = Path.Combine(_folder, "model.nbm");
        string[] rows = Rows(240);
        File.WriteAllLines(Path.Combine(_folder, "all.csv"), rows);
        File.WriteAllLines(Path.Combine(_folder, "shard-0.csv"), rows[..150]);
        File.WriteAllLines(Path.Combine(_folder, "shard-1.csv"), rows[150..]);
        Assert.Equal(0, MpiJobRunner.Run(1, MpiJobRunner.Cli, "train", "--csv", Path.Combine(_folder, "all.csv"), "--output", model, "--epochs", "2", "--hidden", "8").Code);

        var single = MpiJobRunner.Run(1, MpiJobRunner.Cli, "recalibrate", "--model", model, "--csv", Path.Combine(_folder, "all.csv"), "--output", Path.Combine(_folder, "single.nbm"));
        var sharded = MpiJobRunner.Run(2, MpiJobRunner.Cli, "recalibrate", "--mpi", "--model", model, "--csv", Path.Combine(_folder, "shard-{rank}.csv"), "--output", Path.Combine(_folder, "sharded.nbm"));

        Assert.True(single.Code == 0, single.Error);
        Assert.True(sharded.Code == 0, sharded.Error);
        Assert.Contains("population statistics over 240 values per channel", sharded.Output);
        Assert.Contains("2 shards", sharded.Output);
        PopulationMoments expected = ModelFile.Load(Path.Combine(_folder, "single.nbm")).BatchNorms.Single().Population!;
        PopulationMoments actual = ModelFile.Load(Path.Combine(_folder, "sharded.nbm")).BatchNorms.Single().Population!;
        Assert.Equal(expected.Count, actual.Count);
        Closeness.Assert(expected.Variance.ToArray(), actual.Variance.ToArray(), 1e-12, "variance", floor: 0);
        Closeness.Assert(expected.Mean.ToArray(), actual.Mean.ToArray(), 1e-12, "mean", floor: 1e-3);
    }

    [MpiFact]
    public void ARankWithABadShardPathEndsEveryRankWithTheError()
    {
        string model = Path.Combine(_folder, "model.nbm");
        File.WriteAllLines(Path.Combine(_folder, "shard-0.csv"), Rows(60));
        Assert.Equal(0, MpiJobRunner.Run(1, MpiJobRunner.Cli, "train", "--csv", Path.Combine(_folder, "shard-0.csv"), "--output", model, "--epochs", "1", "--hidden", "4").Code);

        (int code, _, string error) = MpiJobRunner.Run(2, MpiJobRunner.Cli, "recalibrate", "--mpi", "--model", model, "--csv", Path.Combine(_folder, "shard-{rank}.csv"), "--in-place");

        Assert.NotEqual(0, code);
        string missing = Path.Combine(_folder, "shard-1.csv");
        foreach (int rank in new[] { 0, 1 })
        {
            Assert.Contains($"nativebn: error: rank {rank} of 2: rank 1 failed: Cannot read {missing}", error);
        }

        Assert.DoesNotContain("rank 0 failed", error);
    }

    private static double Accuracy(string output) =>
        double.Parse(Regex.Match(output, @"test accuracy \(running statistics\): ([0-9.]+) %").Groups[1].Value, CultureInfo.InvariantCulture);

    /// <summary>Three separable classes of 6 features, label first, with a header.</summary>
    private static string[] Rows(int count)
    {
        var random = new Random(3);
        var rows = new List<string> { "label,f0,f1,f2,f3,f4,f5" };
        for (int i = 0; i < count; i++)
        {
            int label = i % 3;
            var row = new StringBuilder(label.ToString(CultureInfo.InvariantCulture));
            for (int f = 0; f < 6; f++)
            {
                row.Append(',').Append(((f % 3 == label ? 2.0 : 0.0) + random.NextDouble() - 0.5).ToString("R", CultureInfo.InvariantCulture));
            }

            rows.Add(row.ToString());
        }

        return [.. rows];
    }
}
