using NativeBn.Normalization;

namespace NativeBn.Tests.Normalization;

/// <summary>
/// An in-process stand-in for a data-parallel job: participants on threads deposit their values, meet at a barrier and
/// each merges all deposits in participant order (Chan's formula for moments, plain sums for gradient sums).
/// </summary>
internal sealed class ThreadedExchange(int participants)
{
    private readonly Barrier _barrier = new(participants);
    private readonly (long Count, double[] A, double[] B)[] _slots = new (long, double[], double[])[participants];

    public int Participants => participants;

    public IBatchStatisticsSynchronizer For(int rank) => new Participant(this, rank);

    /// <summary>Runs <paramref name="body"/> on one thread per participant and returns each one's exception or null.</summary>
    public Exception?[] Run(Action<int> body)
    {
        var errors = new Exception?[participants];
        Thread[] threads = [.. Enumerable.Range(0, participants).Select(rank => new Thread(() =>
        {
            try
            {
                body(rank);
            }
            catch (Exception e)
            {
                errors[rank] = e;
            }
        }))];
        foreach (Thread thread in threads)
        {
            thread.Start();
        }

        foreach (Thread thread in threads)
        {
            thread.Join();
        }

        return errors;
    }

    private (long Count, double[] A, double[] B)[] Exchange(int rank, long count, Span<double> a, Span<double> b)
    {
        _slots[rank] = (count, a.ToArray(), b.ToArray());
        _barrier.SignalAndWait();
        var copy = ((long, double[], double[])[])_slots.Clone();
        _barrier.SignalAndWait();
        int[] failed = [.. Enumerable.Range(0, participants).Where(k => copy[k].Item1 < 0)];
        if (failed.Length > 0)
        {
            throw new BatchSynchronizationException(failed);
        }

        return copy;
    }

    private sealed class Participant(ThreadedExchange exchange, int rank) : IBatchStatisticsSynchronizer
    {
        public long MergeMoments(long count, Span<double> mean, Span<double> m2)
        {
            var slots = exchange.Exchange(rank, count, mean, m2);
            long n = 0;
            var mu = new double[mean.Length];
            var sq = new double[mean.Length];
            foreach ((long nb, double[] meanB, double[] m2B) in slots)
            {
                if (nb == 0)
                {
                    continue;
                }

                long total = n + nb;
                for (int c = 0; c < mu.Length; c++)
                {
                    double delta = meanB[c] - mu[c];
                    mu[c] += delta * nb / total;
                    sq[c] += m2B[c] + delta * delta * n * nb / total;
                }

                n = total;
            }

            mu.CopyTo(mean);
            sq.CopyTo(m2);
            return n;
        }

        public void SumGradientSums(bool failed, Span<double> sumDy, Span<double> sumCentered)
        {
            var slots = exchange.Exchange(rank, failed ? -1 : 0, sumDy, sumCentered);
            sumDy.Clear();
            sumCentered.Clear();
            foreach ((_, double[] a, double[] b) in slots)
            {
                for (int c = 0; c < a.Length; c++)
                {
                    sumDy[c] += a[c];
                    sumCentered[c] += b[c];
                }
            }
        }
    }
}
