using NativeBn.Mpi;
using NativeBn.Normalization;

namespace NativeBn.Cli;

/// <summary>
/// Runs a command body as one rank of an MPI job (<c>--mpi</c> under <c>mpirun -np K</c>). Only rank 0 writes to
/// standard output. Failures that every rank agreed on (a rank that could not read its shard, a rejected synchronized
/// batch) end every rank with the same one-line error and exit code 1; every rank prints its line and waits for the
/// others before any exits, since the launcher may stop the job as soon as one rank exits with an error. Any other error ends the whole job through
/// <c>MPI_Abort</c>, since the other ranks could otherwise wait forever for this one.
/// </summary>
internal static class MpiJob
{
    public static void Run(CliContext context, Action<MpiCommunicator, CliContext> body)
    {
        if (!MpiSession.TryStart(out MpiSession? session, out string reason))
        {
            throw new CliException($"--mpi needs MPI: {reason}.");
        }

        using (session)
        {
            MpiCommunicator world = session.World;
            CliContext rankContext = world.Rank == 0 ? context : context with { Output = TextWriter.Null, ShowProgress = false };
            try
            {
                body(world, rankContext);
            }
            catch (Exception e) when (e is RankFailureException or BatchSynchronizationException)
            {
                string message = $"rank {world.Rank} of {world.Size}: {e.Message}";
                context.Error.WriteLine($"nativebn: error: {Cli.FirstLine(message)}");
                context.Error.Flush();
                world.Barrier();
                throw new CliException(message) { Reported = true };
            }
            catch (Exception e)
            {
                context.Error.WriteLine($"nativebn: error: rank {world.Rank} of {world.Size}: {e.Message} (aborting the MPI job)");
                context.Error.Flush();
                session.Abort(Cli.Failure);
                throw;
            }
        }
    }

    /// <summary>Every rank runs <paramref name="step"/>; if any fails, every rank throws <see cref="RankFailureException"/>.</summary>
    public static T Agree<T>(MpiCommunicator world, Func<T> step)
    {
        T result = default!;
        Exception? failure = null;
        try
        {
            result = step();
        }
        catch (Exception e)
        {
            failure = e;
        }

        world.ThrowIfAnyFailed(failure);
        return result;
    }
}
