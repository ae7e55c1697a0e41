namespace NativeBn.Kernels;

/// <summary>
/// Consecutive ranges of <c>items</c> for threads that take chunks one at a time, largest first: each chunk holds
/// <c>max(least, ⌈remaining / (2·threads)⌉)</c> items. The first chunks keep each thread on a long contiguous range
/// (neighbouring items that share data stay with one thread); the small last ones let threads that started late or ran
/// slower finish together.
/// </summary>
internal readonly struct GuidedChunks
{
    private readonly int _items, _threads, _least;

    public GuidedChunks(int items, int threads, int least)
    {
        (_items, _threads, _least) = (items, Math.Max(1, threads), Math.Max(1, least));
        int count = 0;
        for (int first = 0; first < items; count++)
        {
            first += Size(items - first);
        }

        Count = count;
    }

    /// <summary>The number of chunks.</summary>
    public int Count { get; }

    /// <summary>The items [First, End) of chunk <paramref name="chunk"/>.</summary>
    public (int First, int End) Range(int chunk)
    {
        int first = 0;
        for (int c = 0; c < chunk; c++)
        {
            first += Size(_items - first);
        }

        return (first, Math.Min(_items, first + Size(_items - first)));
    }

    private int Size(int remaining) => Math.Max(_least, (int)((remaining + 2L * _threads - 1) / (2L * _threads)));
}
