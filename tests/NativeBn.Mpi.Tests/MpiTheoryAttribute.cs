namespace NativeBn.Mpi.Tests;

/// <summary>A theory that launches MPI jobs; skipped with the reason where Open MPI is not installed.</summary>
internal sealed class MpiTheoryAttribute : TheoryAttribute
{
    public MpiTheoryAttribute() => Skip = MpiAvailability.SkipReason;
}
