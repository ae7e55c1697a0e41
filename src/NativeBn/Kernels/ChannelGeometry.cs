using System.Runtime.CompilerServices;

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

    private readonly int _fixedOuterPerChunk;

    private ChannelGeometry(bool channelsLast, int outer, int channels, int spatial, int fixedOuterPerChunk = 0)
    {
        IsChannelsLast = channelsLast;
        Outer = outer;
        Channels = channels;
        Spatial = spatial;
        _fixedOuterPerChunk = fixedOuterPerChunk;
    }

    public bool IsChannelsLast { get; }

    /// <summary>Rows (channels-last) or samples (channels-first).</summary>
    public int Outer { get; }

    public int Channels { get; }

    /// <summary>Plane length (channels-first); 1 for channels-last.</summary>
    public int Spatial { get; }

    /// <summary>Length of the contiguous runs the drivers vectorize over.</summary>
    public int RunLength => IsChannelsLast ? Channels : Spatial;

    /// <summary>Values in the tensor.</summary>
    public long ElementCount => (long)Outer * Channels * Spatial;

    /// <summary>True when the tensor is a single chunk (no division needed to tell).</summary>
    public bool IsSingleChunk => ElementCount <= ChunkElements;

    /// <summary>Rows or samples per chunk (computed on use: the single-chunk fast paths never divide).</summary>
    public int OuterPerChunk => _fixedOuterPerChunk > 0 ? _fixedOuterPerChunk : Math.Max(1, ChunkElements / RunLength);

    /// <summary>Channels-first chunks per channel (a chunk holds one channel's planes); 1 for channels-last.</summary>
    public int ChunksPerChannel => IsChannelsLast ? 1 : (Outer + OuterPerChunk - 1) / OuterPerChunk;

    public int ChunkCount => IsChannelsLast ? (Outer + OuterPerChunk - 1) / OuterPerChunk : ChunksPerChannel * Channels;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ChannelGeometry From(TensorShape shape)
    {
        int channels = shape.Channels;
        int spatial = shape.SpatialSize;
        if (shape.Layout == TensorLayout.NCHW && spatial > 1)
        {
            return new ChannelGeometry(false, shape.Batch, channels, spatial);
        }

        int rows = (int)shape.ValuesPerChannel;
        return channels == 1
            ? new ChannelGeometry(false, 1, 1, rows, fixedOuterPerChunk: 1)
            : new ChannelGeometry(true, rows, channels, 1);
    }

    /// <summary>Most chunks per-channel sums of channels-last data are cut into.</summary>
    public const int MaxSumsChunks = 16;

    /// <summary>
    /// The chunks per-channel sums run on: channels-last data larger than a chunk is cut into at most
    /// <see cref="MaxSumsChunks"/> chunks of whole rows (never smaller than an ordinary chunk), since each chunk's partial
    /// sums over all channels must be added up in order afterwards; channels-first data keeps its chunks (two partial
    /// sums each). Like every chunking, it depends on the shape alone.
    /// </summary>
    public ChannelGeometry ForSums()
    {
        if (!IsChannelsLast || IsSingleChunk)
        {
            return this;
        }

        int rows = Math.Max(OuterPerChunk, (Outer + MaxSumsChunks - 1) / MaxSumsChunks);
        return new ChannelGeometry(true, Outer, Channels, Spatial, rows);
    }

    /// <summary>Channels-last rows processed as a single chunk (one thread, one pass).</summary>
    public static ChannelGeometry SingleChunkRows(int rows, int channels) => new(true, rows, channels, 1, fixedOuterPerChunk: rows);

    /// <summary>The rows or samples [start, end) of chunk <paramref name="chunk"/>, and its channel (channels-first).</summary>
    public void GetChunk(int chunk, out int start, out int end, out int channel)
    {
        int index = IsChannelsLast ? chunk : chunk % ChunksPerChannel;
        channel = IsChannelsLast ? 0 : chunk / ChunksPerChannel;
        start = index * OuterPerChunk;
        end = Math.Min(Outer, start + OuterPerChunk);
    }
}
