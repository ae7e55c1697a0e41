using System.Diagnostics;

namespace NativeBn.Service.Serving;

/// <summary>
/// Counts the predictions of one model and the engine time they took (the predict call alone: no HTTP, no parsing),
/// with two interlocked additions per prediction.
/// </summary>
public sealed class EngineClock
{
    private long _count;
    private long _ticks;

    public long Count => Interlocked.Read(ref _count);

    /// <summary>Total engine time in microseconds.</summary>
    public double TotalMicroseconds => Interlocked.Read(ref _ticks) * 1e6 / Stopwatch.Frequency;

    public void Add(long ticks)
    {
        Interlocked.Add(ref _ticks, ticks);
        Interlocked.Increment(ref _count);
    }
}
