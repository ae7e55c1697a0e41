using NativeBn.Mpi;

namespace NativeBn.Benchmarks.Mpi;

/// <summary>The MPI session of a benchmark process run under mpirun (started by Program on <c>--mpi</c>).</summary>
public static class MpiBenchmarkSession
{
    public static MpiSession? Session { get; set; }

    public static MpiCommunicator World => Session?.World
        ?? throw new InvalidOperationException("The MPI benchmarks run under mpirun: mpirun -np K dotnet NativeBn.Benchmarks.dll --mpi");
}
