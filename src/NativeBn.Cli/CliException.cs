namespace NativeBn.Cli;

/// <summary>A problem with the user's input: printed as one line, exit code 1.</summary>
internal sealed class CliException(string message) : Exception(message)
{
    /// <summary>True when the line was printed already (by an MPI rank before the ranks part); only the exit code remains.</summary>
    public bool Reported { get; init; }
}
