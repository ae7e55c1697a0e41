namespace NativeBn.Mpi.Tests;

/// <summary>A fact that launches MPI jobs; skipped with the reason where Open MPI is not installed.</summary>
internal sealed class MpiFactAttribute : FactAttribute
{
    public MpiFactAttribute() => Skip = MpiAvailability.SkipReason;
}
