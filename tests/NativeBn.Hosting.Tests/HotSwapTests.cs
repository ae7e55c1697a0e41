using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NativeBn.Model;
using NativeBn.Serialization;

namespace NativeBn.Hosting.Tests;

public sealed class HotSwapTests
{
    [Fact]
    public void ConcurrentPredictionsDuringRepeatedSwapsEqualTheSequentialOutputOfTheModelThatServedThem()
    {
        using var folder = new TempFolder();
        string path = folder.File("model.nbn");
        ModelDescription a = TestModels.Mlp(1), b = TestModels.Mlp(2);
        byte[] bytesA = ModelFile.Serialize(a), bytesB = ModelFile.Serialize(b);
        float[][] samples = TestModels.Samples(64);
        float[][] expectedA = TestModels.Expected(a, samples), expectedB = TestModels.Expected(b, samples);
        Assert.False(TestModels.BitwiseEqual(expectedA[0], expectedB[0]));
        string hashA = TestModels.Save(a, path);
        ModelFile.Save(b, folder.File("b.nbn"));
        string hashB = TestModels.HashOf(folder.File("b.nbn"));

        using ServiceProvider services = Services.Build(o => o.AddFile("m", path));
        IModelHandle handle = services.GetRequiredService<INativeBnModels>().Get("m");
        var modelOfVersion = new ConcurrentDictionary<long, bool>(); // version -> served by A
        modelOfVersion[1] = true;

        const int Swaps = 40, Predictors = 3, MinimumPerThread = 2000, PredictionsBetweenSwaps = 50;
        long predictions = 0;
        bool swapsDone = false;
        var failures = new ConcurrentQueue<string>();
        var versionsSeen = new ConcurrentDictionary<long, byte>();
        var records = new ConcurrentBag<(long Version, string Hash, int Sample, float[] Output)>();

        var predictors = Enumerable.Range(0, Predictors).Select(t => new Thread(() =>
        {
            try
            {
                var output = new float[TestModels.Outputs];
                for (int i = 0; i < MinimumPerThread || !Volatile.Read(ref swapsDone); i++)
                {
                    int s = (i * Predictors + t) % samples.Length;
                    ModelSnapshot used = handle.Predict(samples[s], output);
                    versionsSeen.TryAdd(used.Version, 0);
                    records.Add((used.Version, used.ContentHash, s, (float[])output.Clone()));
                    Interlocked.Increment(ref predictions);
                }
            }
            catch (Exception e)
            {
                failures.Enqueue(e.ToString());
            }
        })).ToArray();
        foreach (Thread thread in predictors)
        {
            thread.Start();
        }

        // Every version serves some predictions: before each swap and before stopping, wait (bounded) for
        // PredictionsBetweenSwaps predictions since the last swap; at most one per predictor was in flight during it.
        long servedSinceSwap = 0;
        void WaitForPredictions()
        {
            var waited = System.Diagnostics.Stopwatch.StartNew();
            while (Interlocked.Read(ref predictions) < servedSinceSwap + PredictionsBetweenSwaps && waited.Elapsed < TimeSpan.FromSeconds(10))
            {
                Thread.Yield();
            }
        }

        for (int swap = 1; swap <= Swaps; swap++)
        {
            WaitForPredictions();
            bool useA = swap % 2 == 0;
            string staging = folder.File("staging.nbn");
            File.WriteAllBytes(staging, useA ? bytesA : bytesB);
            File.Move(staging, path, overwrite: true);
            Assert.True(handle.Reload(), handle.LastError?.ToString());
            modelOfVersion[handle.Current.Version] = useA;
            servedSinceSwap = Interlocked.Read(ref predictions);
        }

        WaitForPredictions();
        Volatile.Write(ref swapsDone, true);
        foreach (Thread thread in predictors)
        {
            Assert.True(thread.Join(TimeSpan.FromSeconds(30)), "a predictor thread did not finish");
        }

        Assert.Empty(failures);
        Assert.Equal(Swaps + 1, handle.Current.Version);
        Assert.True(records.Count >= Predictors * MinimumPerThread);
        Assert.Equal(Swaps + 1, versionsSeen.Count);
        foreach (var (version, hash, sample, output) in records)
        {
            bool servedByA = modelOfVersion[version];
            Assert.Equal(servedByA ? hashA : hashB, hash);
            Assert.True(TestModels.BitwiseEqual(servedByA ? expectedA[sample] : expectedB[sample], output),
                $"version {version} ({(servedByA ? "A" : "B")}) gave another output for sample {sample}");
        }
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("truncated")]
    [InlineData("missing")]
    [InlineData("other widths")]
    public void ABadFileLeavesTheOldModelServingAndIsReported(string kind)
    {
        using var folder = new TempFolder();
        string path = folder.File("model.nbn");
        ModelDescription a = TestModels.Mlp(1);
        string hashA = TestModels.Save(a, path);
        float[][] samples = TestModels.Samples(4);
        float[][] expected = TestModels.Expected(a, samples);
        var logs = new CapturedLogs();
        using ServiceProvider services = Services.Build(o => o.AddFile("m", path), logs);
        IModelHandle handle = services.GetRequiredService<INativeBnModels>().Get("m");

        switch (kind)
        {
            case "garbage":
                File.WriteAllBytes(path, [.. Enumerable.Range(0, 300).Select(i => (byte)(i * 37))]);
                break;
            case "truncated":
                byte[] whole = ModelFile.Serialize(TestModels.Mlp(2));
                File.WriteAllBytes(path, whole[..(whole.Length / 2)]);
                break;
            case "missing":
                File.Delete(path);
                break;
            default:
                ModelFile.Save(TestModels.Mlp(2, outputs: TestModels.Outputs + 1), path);
                break;
        }

        Assert.False(handle.Reload());

        Assert.Equal(1, handle.Current.Version);
        Assert.Equal(hashA, handle.Current.ContentHash);
        Assert.Equal(1, handle.FailedReloadCount);
        Assert.NotNull(handle.LastError);
        if (kind == "other widths")
        {
            Assert.Contains("5 outputs", handle.LastError.Message);
        }
        else
        {
            Assert.IsType<Data.DataFormatException>(handle.LastError, exactMatch: false);
        }

        var output = new float[TestModels.Outputs];
        for (int s = 0; s < samples.Length; s++)
        {
            Assert.Same(handle.Current, handle.Predict(samples[s], output));
            Assert.True(TestModels.BitwiseEqual(expected[s], output));
        }

        CapturedLogs.Entry entry = Assert.Single(logs.Entries, e => e.Level == LogLevel.Error);
        Assert.Same(handle.LastError, entry.Exception);
        Assert.Contains("'m'", entry.Message);
        Assert.Contains("version 1 keeps serving", entry.Message);

        // A good file afterwards swaps in and clears the error.
        string hashB = TestModels.Save(TestModels.Mlp(3), path);
        Assert.True(handle.Reload());
        Assert.Equal(2, handle.Current.Version);
        Assert.Equal(hashB, handle.Current.ContentHash);
        Assert.Null(handle.LastError);
        Assert.Equal(1, handle.FailedReloadCount);
    }

    [Fact]
    public void AChangedFileIsSwappedInByTheWatcher()
    {
        using var folder = new TempFolder();
        string path = folder.File("model.nbn");
        TestModels.Save(TestModels.Mlp(1), path);
        using ServiceProvider services = Services.Build(o => o.AddFile("m", path, watchFile: true).WatchDebounce = TimeSpan.FromMilliseconds(20));
        IModelHandle handle = services.GetRequiredService<INativeBnModels>().Get("m");
        Assert.Equal(1, handle.Current.Version);

        ModelDescription b = TestModels.Mlp(2);
        string hashB = TestModels.Save(b, path);

        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (handle.Current.ContentHash != hashB && waited.Elapsed < TimeSpan.FromSeconds(10))
        {
            Thread.Sleep(10);
        }

        Assert.Equal(hashB, handle.Current.ContentHash);
        Assert.True(handle.Current.Version >= 2);
        float[] sample = TestModels.Samples(1)[0];
        var output = new float[TestModels.Outputs];
        handle.Predict(sample, output);
        Assert.True(TestModels.BitwiseEqual(TestModels.Expected(b, [sample])[0], output));
    }
}
