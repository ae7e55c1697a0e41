using NativeBn.Kernels;
using NativeBn.Normalization;

namespace NativeBn.Tests.Kernels;

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
