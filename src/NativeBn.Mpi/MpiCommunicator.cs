using System.Text;

namespace NativeBn.Mpi;

/// <summary>
/// A group of MPI processes and the collective operations NativeBn needs. Every process of the group must make the
/// same calls in the same order, with the same lengths. Results are bit-identical on every rank.
/// </summary>
public sealed unsafe class MpiCommunicator
{
    /// <summary>Longest failure message that <see cref="ThrowIfAnyFailed"/> carries, in UTF-8 bytes.</summary>
    private const int MessageBytes = 1024;

    private readonly nint _handle;

    internal MpiCommunicator(nint handle)
    {
        _handle = handle;
        MpiNative.Check(MpiNative.CommRank(handle, out int rank), "MPI_Comm_rank");
        MpiNative.Check(MpiNative.CommSize(handle, out int size), "MPI_Comm_size");
        Rank = rank;
        Size = size;
    }

    internal nint Handle => _handle;

    /// <summary>This process's rank, in [0, <see cref="Size"/>).</summary>
    public int Rank { get; }

    /// <summary>Number of processes.</summary>
    public int Size { get; }

    /// <summary>
    /// Every rank's <paramref name="send"/>, concatenated in rank order into <paramref name="receive"/>
    /// (length <see cref="Size"/> × <c>send.Length</c>).
    /// </summary>
    public void Allgather(ReadOnlySpan<double> send, Span<double> receive)
    {
        if (receive.Length != (long)send.Length * Size)
        {
            throw new ArgumentException($"receive has {receive.Length} values; {Size} ranks × {send.Length} need {(long)send.Length * Size}.", nameof(receive));
        }

        MpiNative.Handles handles = MpiNative.Predefined;
        fixed (double* s = send, r = receive)
        {
            MpiNative.Check(MpiNative.Allgather(s, send.Length, handles.Double, r, send.Length, handles.Double, _handle), "MPI_Allgather");
        }
    }

    /// <summary>
    /// Element-wise sum over all ranks, written into <paramref name="result"/> on every rank: reduced on rank 0, then
    /// broadcast, so every rank holds the same bits.
    /// </summary>
    public void Sum(ReadOnlySpan<double> values, Span<double> result)
    {
        if (result.Length != values.Length)
        {
            throw new ArgumentException($"result has {result.Length} values; values has {values.Length}.", nameof(result));
        }

        MpiNative.Handles handles = MpiNative.Predefined;
        fixed (double* v = values, r = result)
        {
            MpiNative.Check(MpiNative.Reduce(v, r, values.Length, handles.Double, handles.Sum, 0, _handle), "MPI_Reduce");
            MpiNative.Check(MpiNative.Bcast(r, values.Length, handles.Double, 0, _handle), "MPI_Bcast");
        }
    }

    /// <summary>Waits until every rank arrives.</summary>
    public void Barrier() => MpiNative.Check(MpiNative.Barrier(_handle), "MPI_Barrier");

    /// <summary>
    /// Every rank reports whether it failed (<paramref name="localFailure"/> non-null); if any did, every rank throws
    /// <see cref="RankFailureException"/> carrying each failing rank's message, so no rank goes on to wait in a
    /// collective operation that a failed rank will never join.
    /// </summary>
    public void ThrowIfAnyFailed(Exception? localFailure)
    {
        byte[] send = new byte[MessageBytes];
        if (localFailure is not null)
        {
            string message = string.IsNullOrEmpty(localFailure.Message) ? localFailure.GetType().Name : localFailure.Message;
            Encoding.UTF8.GetBytes(message.AsSpan(0, Math.Min(message.Length, MessageBytes / 4 - 1)), send);
            send[MessageBytes - 1] = 1;
        }

        byte[] receive = new byte[MessageBytes * Size];
        MpiNative.Handles handles = MpiNative.Predefined;
        fixed (byte* s = send, r = receive)
        {
            MpiNative.Check(MpiNative.Allgather(s, MessageBytes, handles.Byte, r, MessageBytes, handles.Byte, _handle), "MPI_Allgather");
        }

        var failures = new SortedDictionary<int, string>();
        for (int rank = 0; rank < Size; rank++)
        {
            ReadOnlySpan<byte> slot = receive.AsSpan(rank * MessageBytes, MessageBytes);
            if (slot[^1] == 1)
            {
                failures[rank] = Encoding.UTF8.GetString(slot[..slot.IndexOf((byte)0)]);
            }
        }

        if (failures.Count > 0)
        {
            throw new RankFailureException(failures);
        }
    }
}
