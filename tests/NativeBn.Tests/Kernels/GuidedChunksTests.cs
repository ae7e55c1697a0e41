using NativeBn.Kernels;

namespace NativeBn.Tests.Kernels;

public class GuidedChunksTests
{
    [Theory]
    [InlineData(1, 2, 1)]
    [InlineData(7, 2, 1)]
    [InlineData(102, 2, 1)]
    [InlineData(102, 2, 5)]
    [InlineData(27, 4, 1)]
    [InlineData(1000, 16, 3)]
    [InlineData(5, 1, 10)]
    public void ChunksCoverEveryItemOnceInOrderLargestFirst(int items, int threads, int least)
    {
        var chunks = new GuidedChunks(items, threads, least);
        int next = 0, previous = int.MaxValue;
        for (int c = 0; c < chunks.Count; c++)
        {
            (int first, int end) = chunks.Range(c);
            Assert.Equal(next, first);
            Assert.True(end > first, $"chunk {c} of {items} items is empty");
            int size = end - first;
            Assert.True(c == chunks.Count - 1 || size >= Math.Min(least, items), $"chunk {c} holds {size} items, fewer than {least}");
            Assert.True(size <= previous, $"chunk {c} holds {size} items, more than the chunk before it ({previous})");
            Assert.True(size <= Math.Max(least, (items + 2 * threads - 1) / (2 * threads)), $"chunk {c} holds {size} items");
            previous = size;
            next = end;
        }

        Assert.Equal(items, next);
    }

    [Fact]
    public void ManyItemsMakeManyChunksForTwoThreads()
    {
        var chunks = new GuidedChunks(102, 2, 1);
        Assert.InRange(chunks.Count, 8, 40);
        Assert.Equal((0, 26), chunks.Range(0));
    }
}
