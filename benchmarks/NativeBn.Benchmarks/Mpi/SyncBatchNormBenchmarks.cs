using BenchmarkDotNet.Attributes;
using NativeBn.Mpi;
using NativeBn.Normalization;

namespace NativeBn.Benchmarks.Mpi;

/// <summary>
/// One training step (forward + backward) of a BatchNorm layer on N = 32 samples per rank, C = 256 features, with
/// batch statistics of the rank's share (local) and of the whole batch over all ranks (SyncBatchNorm: one Allgather of
/// (n, mean, M2) forward, one of the two gradient sums backward). Run under mpirun with <c>--mpi</c>.
/// </summary>
[MemoryDiagnoser]
[InvocationCount(4096)]
public class SyncBatchNormBenchmarks
{
    private const int Batch = 32;
    private const int Channels = 256;
    private readonly TensorShape _shape = TensorShape.Features(Batch, Channels);
    private BatchNorm _local = null!, _synchronized = null!;
    private float[] _x = [], _dy = [], _y = [], _dx = [];

    [GlobalSetup]
    public void Setup()
    {
        MpiCommunicator world = MpiBenchmarkSession.World;
        _local = new BatchNorm(Channels, new BatchNormOptions { MaxThreads = 1 });
        _synchronized = new BatchNorm(Channels, new BatchNormOptions { MaxThreads = 1, Synchronizer = new MpiBatchStatisticsSynchronizer(world) });
        _x = BenchmarkData.Random(Batch * Channels, 10 + world.Rank);
        _dy = BenchmarkData.Random(Batch * Channels, 20 + world.Rank);
        _y = new float[_x.Length];
        _dx = new float[_x.Length];
    }

    [Benchmark(Baseline = true)]
    public float LocalBatchNormStep()
    {
        _local.Forward(_x, _shape, _y, BatchNormMode.Training);
        _local.Backward(_x, _dy, _shape, _dx);
        return _dx[0];
    }

    [Benchmark]
    public float SyncBatchNormStep()
    {
        _synchronized.Forward(_x, _shape, _y, BatchNormMode.Training);
        _synchronized.Backward(_x, _dy, _shape, _dx);
        return _dx[0];
    }
}
