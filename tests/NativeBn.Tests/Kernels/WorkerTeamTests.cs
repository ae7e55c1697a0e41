using NativeBn.Kernels;
using NativeBn.Normalization;

namespace NativeBn.Tests.Kernels;

/// <summary>
/// The shared worker team: runs alone, since a team busy with another test's job lets a caller run its chunks itself,
/// and the tests that check that workers join would see none.
/// </summary>
[Collection(SerialCollection.Name)]
public unsafe class WorkerTeamTests
{
    private static void Count(nint state, int chunk) => Interlocked.Increment(ref ((int*)state)[chunk]);

    [Fact]
    public void EveryChunkRunsExactlyOnceEvenWithConcurrentCallers()
    {
        const int chunks = 257;
        var failures = 0;
        Parallel.For(0, 16, new ParallelOptions { MaxDegreeOfParallelism = 4 }, _ =>
        {
            int* counts = stackalloc int[chunks];
            for (int round = 0; round < 50; round++)
            {
                new Span<int>(counts, chunks).Clear();
                using WorkerTeam.Engagement engaged = WorkerTeam.Engage(round % 3);
                WorkerTeam.Shared.Run(chunks, 8, &Count, (nint)counts);
                for (int i = 0; i < chunks; i++)
                {
                    if (counts[i] != 1)
                    {
                        Interlocked.Increment(ref failures);
                    }
                }
            }
        });

        Assert.Equal(0, failures);
    }

    private static void Record(nint state, int chunk)
    {
        ((int*)state)[chunk] = Environment.CurrentManagedThreadId;
        Thread.Sleep(1);
    }

    /// <summary>Workers take chunks while held engaged, after the hold ends and they have blocked, and when a new hold wakes them.</summary>
    [Fact]
    public void WorkersJoinJobsDuringAndAfterAnEngagement()
    {
        Assert.True(Environment.ProcessorCount > 1, "The team needs a second processor for its workers.");
        const int chunks = 64;
        int* threads = stackalloc int[chunks];
        int caller = Environment.CurrentManagedThreadId;

        void RunAndCheck(string when)
        {
            new Span<int>(threads, chunks).Clear();
            WorkerTeam.Shared.Run(chunks, 2, &Record, (nint)threads);
            var ran = new Span<int>(threads, chunks).ToArray();
            Assert.DoesNotContain(0, ran);
            Assert.True(ran.Any(id => id != caller), $"No worker joined {when}.");
        }

        using (WorkerTeam.Engage(2))
        {
            RunAndCheck("while engaged");
            Thread.Sleep(20);
            RunAndCheck("after an idle stretch while engaged");
        }

        Thread.Sleep(50);
        RunAndCheck("after the hold ended and the workers blocked");
        Thread.Sleep(50);
        using (WorkerTeam.Engage(2))
        {
            RunAndCheck("under a new hold");
        }
    }

    [Fact]
    public void EngagingAllocatesNothing()
    {
        WorkerTeam.Engage(2).Dispose();
        long allocated = AllocationMeter.Measure(() =>
        {
            for (int i = 0; i < 100; i++)
            {
                using WorkerTeam.Engagement engaged = WorkerTeam.Engage(2);
            }
        });

        Assert.Equal(0, allocated);
    }

    [Fact]
    public void MultiThreadedCallsAllocateNothing()
    {
        TensorShape shape = TensorShape.Features(4096, 96);
        Assert.True(ChannelKernels.RunsInParallel(ChannelGeometry.From(shape), 2));
        var layer = new BatchNorm(96, new BatchNormOptions { MaxThreads = 2 });
        float[] x = TestData.Gaussian((int)shape.ElementCount, 1);
        float[] dy = TestData.Gaussian(x.Length, 2);
        var y = new float[x.Length];
        var dx = new float[x.Length];

        long allocated = AllocationMeter.Measure(() =>
        {
            for (int i = 0; i < 5; i++)
            {
                layer.Forward(x, shape, y, BatchNormMode.Training);
                layer.Backward(x, dy, shape, dx);
                layer.Infer(x, shape, y);
            }
        });

        Assert.Equal(0, allocated);
    }
}
