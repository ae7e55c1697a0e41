namespace NativeBn.Normalization;

/// <summary>
/// A synchronized batch-normalization call was abandoned because a participant (<see cref="FailedParticipants"/>)
/// rejected its part of the batch. The layer is unchanged on every participant; the failing participant throws its
/// own exception, which says why.
/// </summary>
public sealed class BatchSynchronizationException : Exception
{
    /// <summary>An exception naming the participants that failed.</summary>
    public BatchSynchronizationException(IReadOnlyList<int> failedParticipants)
        : base($"The synchronized batch was abandoned: participant(s) {string.Join(", ", failedParticipants)} rejected their part; " +
               "their own errors say why. The layer is unchanged.")
    {
        FailedParticipants = failedParticipants;
    }

    /// <summary>Ranks (participant indices) that reported a failure.</summary>
    public IReadOnlyList<int> FailedParticipants { get; }
}
