using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;

namespace NativeBn.Mpi;

/// <summary>
/// The MPI environment of this process, from <c>MPI_Init</c> to <c>MPI_Finalize</c> (on <see cref="Dispose"/>).
/// MPI allows this once per process, so one session exists at a time and none after the first is disposed.
/// Errors of MPI calls on <see cref="World"/> are returned (<c>MPI_ERRORS_RETURN</c>) and thrown as
/// <see cref="MpiException"/> instead of aborting the job. Run the program under <c>mpirun -np K</c>; without
/// mpirun it is a single process of rank 0.
/// </summary>
public sealed unsafe class MpiSession : IDisposable
{
    private static readonly Lock StateLock = new();
    private static bool s_started;
    private bool _disposed;

    private MpiSession(MpiCommunicator world) => World = world;

    /// <summary>All processes of the job (<c>MPI_COMM_WORLD</c>).</summary>
    public MpiCommunicator World { get; }

    /// <summary>Initializes MPI, or says why it cannot: Open MPI is not installed, or MPI was already initialized in this process.</summary>
    public static bool TryStart([NotNullWhen(true)] out MpiSession? session, out string reason)
    {
        session = null;
        if (!NativeLibrary.TryLoad(MpiNative.Library, out _))
        {
            reason = $"{MpiNative.Library} (Open MPI 4) is not installed; install the openmpi-bin and libopenmpi-dev packages";
            return false;
        }

        lock (StateLock)
        {
            if (s_started)
            {
                reason = "MPI was already initialized in this process; MPI allows one initialization per process";
                return false;
            }

            MpiNative.Check(MpiNative.Initialized(out int initialized), "MPI_Initialized");
            if (initialized != 0)
            {
                reason = "MPI was already initialized in this process by other code";
                return false;
            }

            MpiNative.Check(MpiNative.Init(null, null), "MPI_Init");
            s_started = true;
            MpiNative.Handles handles = MpiNative.Predefined;
            MpiNative.Check(MpiNative.CommSetErrhandler(handles.CommWorld, handles.ErrorsReturn), "MPI_Comm_set_errhandler");
            session = new MpiSession(new MpiCommunicator(handles.CommWorld));
            reason = "";
            return true;
        }
    }

    /// <summary>Initializes MPI; throws <see cref="InvalidOperationException"/> saying why when it cannot.</summary>
    public static MpiSession Start() =>
        TryStart(out MpiSession? session, out string reason) ? session : throw new InvalidOperationException($"MPI is unavailable: {reason}.");

    /// <summary>
    /// Ends the whole job at once (<c>MPI_Abort</c>): for an error after which the other ranks could wait forever in a
    /// collective operation this rank will not join. mpirun then terminates every rank and exits with
    /// <paramref name="exitCode"/>. Does not return.
    /// </summary>
    public void Abort(int exitCode)
    {
        MpiNative.Abort(World.Handle, exitCode);
        Environment.Exit(exitCode);
    }

    /// <summary>Finalizes MPI (every process must do so; call it after the last collective operation).</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        MpiNative.Check(MpiNative.Finalize(), "MPI_Finalize");
    }
}
