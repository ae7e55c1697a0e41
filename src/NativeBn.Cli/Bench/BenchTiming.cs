namespace NativeBn.Cli.Bench;

/// <summary>
/// Nanoseconds per operation of one measured case: the fastest, the median and the slowest of its timed batches (each
/// batch the mean of many back-to-back calls).
/// </summary>
internal readonly record struct BenchTiming(double Min, double Median, double Max);
