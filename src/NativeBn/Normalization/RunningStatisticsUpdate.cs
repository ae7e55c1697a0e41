namespace NativeBn.Normalization;

/// <summary>What happened to the running statistics in a forward pass.</summary>
public enum RunningStatisticsUpdate
{
    /// <summary>The mode did not ask for an update.</summary>
    NotRequested,

    /// <summary>The running statistics were updated from this batch.</summary>
    Updated,

    /// <summary>The batch held NaN or infinity; the update was skipped (<see cref="NonFinitePolicy.SkipUpdate"/>).</summary>
    SkippedNonFinite,

    /// <summary>Each channel had a single value; the update was skipped (<see cref="SingleValuePolicy.UseRunningStatistics"/> or <see cref="SingleValuePolicy.NormalizeAnyway"/>).</summary>
    SkippedSingleValue,
}
