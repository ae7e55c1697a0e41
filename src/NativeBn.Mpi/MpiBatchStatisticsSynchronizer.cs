using NativeBn.Normalization;

namespace NativeBn.Mpi;

/// <summary>
/// SyncBatchNorm over MPI: set it as <see cref="BatchNormOptions.Synchronizer"/> and every rank normalizes with the
/// exact statistics of the whole batch. Each rank contributes its per-channel <c>(n, mean, M2)</c> through one
/// <c>MPI_Allgather</c>, and every rank merges them in rank order with Chan's formula: the merge never goes through an
/// inverse standard deviation, and every rank computes the same bits. The backward pass gathers <c>Σdy</c> and
/// <c>Σdy·(x - mean)</c> the same way and sums them in rank order. Buffers grow once to the widest layer; after that a
/// synchronized step allocates nothing. One synchronizer may serve every layer of a model.
/// </summary>
public sealed class MpiBatchStatisticsSynchronizer : IBatchStatisticsSynchronizer
{
    private readonly MpiCommunicator _communicator;
    private double[] _send = [];
    private double[] _receive = [];
    private int[] _failed = [];

    /// <summary>Synchronizes over <paramref name="communicator"/> (usually <see cref="MpiSession.World"/>).</summary>
    public MpiBatchStatisticsSynchronizer(MpiCommunicator communicator)
    {
        ArgumentNullException.ThrowIfNull(communicator);
        _communicator = communicator;
    }

    /// <inheritdoc />
    public long MergeMoments(long count, Span<double> mean, Span<double> m2)
    {
        int channels = mean.Length;
        ReadOnlySpan<double> all = Gather(count, mean, m2);
        int stride = 2 * channels + 1;
        mean.Clear();
        m2.Clear();
        long total = 0;
        for (int rank = 0; rank < _communicator.Size; rank++)
        {
            ReadOnlySpan<double> slot = all.Slice(rank * stride, stride);
            total = ChannelMoments.Merge(total, mean, m2, (long)slot[0], slot.Slice(1, channels), slot.Slice(1 + channels, channels));
        }

        return total;
    }

    /// <summary>
    /// Joins a <see cref="MergeMoments"/> that the other ranks are in, reporting that this rank failed: they throw
    /// <see cref="BatchSynchronizationException"/>, and this rank goes on to throw its own error.
    /// </summary>
    internal void ReportFailure(Span<double> mean, Span<double> m2)
    {
        try
        {
            MergeMoments(-1, mean, m2);
        }
        catch (BatchSynchronizationException)
        {
        }
    }

    /// <inheritdoc />
    public void SumGradientSums(bool failed, Span<double> sumDy, Span<double> sumCentered)
    {
        int channels = sumDy.Length;
        ReadOnlySpan<double> all = Gather(failed ? -1 : 0, sumDy, sumCentered);
        int stride = 2 * channels + 1;
        sumDy.Clear();
        sumCentered.Clear();
        for (int rank = 0; rank < _communicator.Size; rank++)
        {
            ReadOnlySpan<double> slot = all.Slice(rank * stride, stride);
            for (int c = 0; c < channels; c++)
            {
                sumDy[c] += slot[1 + c];
                sumCentered[c] += slot[1 + channels + c];
            }
        }
    }

    /// <summary>
    /// Allgathers <c>[head, a, b]</c> from every rank; throws <see cref="BatchSynchronizationException"/> on every rank
    /// when any rank's head is negative (a local failure).
    /// </summary>
    private ReadOnlySpan<double> Gather(long head, ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        int stride = 2 * a.Length + 1, size = _communicator.Size;
        if (_send.Length < stride)
        {
            _send = new double[stride];
            _receive = new double[checked(stride * size)];
            _failed = new int[size];
        }

        Span<double> send = _send.AsSpan(0, stride);
        send[0] = head;
        if (head >= 0)
        {
            a.CopyTo(send.Slice(1, a.Length));
            b.CopyTo(send.Slice(1 + a.Length, b.Length));
        }

        Span<double> receive = _receive.AsSpan(0, stride * size);
        _communicator.Allgather(send, receive);
        int failures = 0;
        for (int rank = 0; rank < size; rank++)
        {
            if (receive[rank * stride] < 0)
            {
                _failed[failures++] = rank;
            }
        }

        if (failures > 0)
        {
            throw new BatchSynchronizationException(_failed[..failures]);
        }

        return receive;
    }
}
