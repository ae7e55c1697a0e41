using NativeBn.Network;
using Xunit;

namespace NativeBn.Tests.Network;

public class ScratchLayoutTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void TensorsAliveTogetherNeverShareMemory(int seed)
    {
        var random = new Random(seed);
        int steps = 60;
        var lengths = new List<int> { 100 };
        var writtenAt = new List<int> { -1 };
        var lastReadAt = new List<int> { 0 };
        for (int step = 0; step < steps; step++)
        {
            lengths.Add(random.Next(1, 5000));
            writtenAt.Add(step);
            lastReadAt.Add(random.Next(4) == 0 ? int.MaxValue : step + random.Next(0, 6));
        }

        int[] offsets = ScratchLayout.Offsets(lengths, [.. writtenAt], [.. lastReadAt], out int total);

        long sum = 0;
        for (int a = 1; a < lengths.Count; a++)
        {
            sum += lengths[a];
            Assert.Equal(0, offsets[a] % 16);
            Assert.True(offsets[a] + lengths[a] <= total, $"slot {a} ends past the scratch");
            for (int b = 1; b < a; b++)
            {
                // b is written first; it is alive when a is written unless its last reader ran before.
                bool together = lastReadAt[b] >= writtenAt[a];
                bool overlap = offsets[a] < offsets[b] + lengths[b] && offsets[b] < offsets[a] + lengths[a];
                Assert.False(together && overlap, $"slots {b} and {a} are alive together and overlap");
            }
        }

        Assert.True(total < sum, $"no memory was shared: {total} floats for tensors of {sum}");
    }
}
