namespace NativeBn.Mpi;

/// <summary>
/// One or more ranks failed a step that every rank must pass (reading its shard, loading a model): thrown on every
/// rank by <see cref="MpiCommunicator.ThrowIfAnyFailed"/>, with each failing rank's message.
/// </summary>
public sealed class RankFailureException : Exception
{
    internal RankFailureException(IReadOnlyDictionary<int, string> failures)
        : base(string.Join("; ", failures.Select(f => $"rank {f.Key} failed: {f.Value}")))
    {
        Failures = failures;
    }

    /// <summary>Each failing rank's error message, by rank.</summary>
    public IReadOnlyDictionary<int, string> Failures { get; }
}
