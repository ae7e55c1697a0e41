namespace NativeBn.Kernels;

/// <summary>
/// How a tensor's values are laid out relative to its channels, reduced to the two shapes the drivers know,
/// and how it is cut into fixed chunks for threads.
/// <list type="bullet">
/// <item>Channels-last: <see cref="Outer"/> rows of <see cref="Channels"/> contiguous values (NC, NHWC, and NCHW with H·W = 1).</item>
/// <item>Channels-first: <see cref="Outer"/> samples of <see cref="Channels"/> planes of <see cref="Spatial"/> contiguous values
/// (NCHW, and channels-last data with a single channel, which is one long plane).</item>
/// </list>
/// Chunk boundaries depend only on the shape, never on the thread count, so that results are bit-identical
/// for any number of threads.
/// </summary>
internal readonly struct ChannelGeometry
{
    /// <summary>Values per chunk that one thread processes at a time.</summary>
    public const int ChunkElements = 1 << 16;

    private ChannelGeometry(bool channelsLast, int outer, int channels, int spatial, int outerPerChunk)
    {
        IsChannelsLast = channelsLast;
        Outer = outer;
        Channels = channels;
        Spatial = spatial;
        OuterPerChunk = outerPerChunk;
        ChunksPerChannel = channelsLast ? 1 : (outer + outerPerChunk - 1) / outerPerChunk;
        ChunkCount = channelsLast ? (outer + outerPerChunk - 1) / outerPerChunk : ChunksPerChannel * channels;
    }

    public bool IsChannelsLast { get; }

    /// <summary>Rows (channels-last) or samples (channels-first).</summary>
    public int Outer { get; }

    public int Channels { get; }

    /// <summary>Plane length (channels-first); 1 for channels-last.</summary>
    public int Spatial { get; }

    /// <summary>Length of the contiguous runs the drivers vectorize over.</summary>
    public int RunLength => IsChannelsLast ? Channels : Spatial;

    /// <summary>Rows or samples per chunk.</summary>
    public int OuterPerChunk { get; }

    /// <summary>Channels-first chunks per channel (a chunk holds one channel's planes); 1 for channels-last.</summary>
    public int ChunksPerChannel { get; }

    public int ChunkCount { get; }

    public static ChannelGeometry From(TensorShape shape)
    {
        int channels = shape.Channels;
        int spatial = shape.SpatialSize;
        if (shape.Layout == TensorLayout.NCHW && spatial > 1)
        {
            return new ChannelGeometry(false, shape.Batch, channels, spatial, Math.Max(1, ChunkElements / spatial));
        }

        int rows = checked((int)shape.ValuesPerChannel);
        return channels == 1
            ? new ChannelGeometry(false, 1, 1, rows, 1)
            : new ChannelGeometry(true, rows, channels, 1, Math.Max(1, ChunkElements / channels));
    }

    /// <summary>Channels-last rows processed as a single chunk (one thread, one pass).</summary>
    public static ChannelGeometry SingleChunkRows(int rows, int channels) => new(true, rows, channels, 1, rows);

    /// <summary>The rows or samples [start, end) of chunk <paramref name="chunk"/>, and its channel (channels-first).</summary>
    public void GetChunk(int chunk, out int start, out int end, out int channel)
    {
        int index = IsChannelsLast ? chunk : chunk % ChunksPerChannel;
        channel = IsChannelsLast ? 0 : chunk / ChunksPerChannel;
        start = index * OuterPerChunk;
        end = Math.Min(Outer, start + OuterPerChunk);
    }
}
