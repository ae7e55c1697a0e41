namespace NativeBn.Mpi;

/// <summary>An MPI call failed; the message carries the call and Open MPI's own description.</summary>
public sealed class MpiException : Exception
{
    internal MpiException(int code, string call, string description)
        : base($"{call} failed with MPI error {code}: {description}")
    {
        Code = code;
    }

    /// <summary>The MPI error code.</summary>
    public int Code { get; }
}
