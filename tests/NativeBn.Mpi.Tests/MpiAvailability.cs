using System.Runtime.InteropServices;

namespace NativeBn.Mpi.Tests;

/// <summary>Whether mpirun and Open MPI's library are present; the tests that launch jobs skip with the reason when not.</summary>
internal static class MpiAvailability
{
    private static readonly Lazy<string?> Reason = new(() =>
    {
        if (MpiJobRunner.FindMpirun() is null)
        {
            return "mpirun is not on PATH (install openmpi-bin and libopenmpi-dev)";
        }

        return NativeLibrary.TryLoad("libmpi.so.40", out _) ? null : "libmpi.so.40 is not installed (install libopenmpi-dev)";
    });

    public static string? SkipReason => Reason.Value is { } reason ? $"MPI unavailable: {reason}" : null;
}
