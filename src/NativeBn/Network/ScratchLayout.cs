namespace NativeBn.Network;

/// <summary>
/// Where each tensor of a plan lives in the per-thread scratch: a tensor takes its place when the step that writes it
/// runs and gives it up after its last reader, and a new tensor takes the first free place that holds it (places start
/// on 64-byte boundaries). The scratch a sample touches is then about the largest set of tensors alive at once, not the
/// sum of all tensors, so a layer's output is still in cache when the next layer reads it. A step's output never shares
/// memory with the inputs it reads.
/// </summary>
internal static class ScratchLayout
{
    private const int Alignment = 16;

    /// <summary>
    /// Offsets of slots 1.. (slot 0, the sample, gets none) and the scratch length in floats.
    /// </summary>
    /// <param name="lengths">Floats of each slot.</param>
    /// <param name="writtenAt">Index of the step that writes each slot (slot 0: ignored).</param>
    /// <param name="lastReadAt">Index of the last step that reads each slot; <see cref="int.MaxValue"/> for slots read after the last step.</param>
    /// <param name="total">Receives the floats of scratch the offsets need.</param>
    public static int[] Offsets(IReadOnlyList<int> lengths, int[] writtenAt, int[] lastReadAt, out int total)
    {
        var offsets = new int[lengths.Count];
        var order = Enumerable.Range(1, lengths.Count - 1).OrderBy(s => writtenAt[s]).ToArray();
        var placed = new List<(long Start, long End, int Slot)>();
        long end = 0;
        foreach (int slot in order)
        {
            int step = writtenAt[slot];
            placed.RemoveAll(p => lastReadAt[p.Slot] < step);
            long size = (lengths[slot] + (long)Alignment - 1) / Alignment * Alignment;
            long start = 0;
            foreach ((long s, long e, _) in placed.OrderBy(p => p.Start))
            {
                if (s - start >= size)
                {
                    break;
                }

                start = Math.Max(start, e);
            }

            placed.Add((start, start + size, slot));
            offsets[slot] = checked((int)start);
            end = Math.Max(end, start + size);
        }

        total = checked((int)end);
        return offsets;
    }
}
