using NativeBn.Normalization;

namespace NativeBn.Mpi.Worker;

/// <summary>
/// <c>failure OUT</c>: rank 1 hands a synchronized forward pass an output buffer of the wrong length (then a backward
/// pass the wrong gradient length); every rank records the exception it got and whether its layer stayed unchanged.
/// </summary>
public static class FailureScenario
{
    public static void Run(MpiCommunicator world, string output)
    {
        BatchNorm layer = ScenarioData.Layer(new MpiBatchStatisticsSynchronizer(world));
        TensorShape shape = ScenarioData.Shape("NC", 4);
        float[] x = ScenarioData.Batch(shape, world.Rank);
        double[] meanBefore = layer.RunningMean.ToArray();
        string forward = Outcome(() => layer.Forward(x, shape, new float[world.Rank == 1 ? x.Length - 1 : x.Length], BatchNormMode.Training));
        bool unchanged = layer.RunningMean.SequenceEqual(meanBefore) && layer.BatchesTracked == 0;

        layer.Forward(x, shape, new float[x.Length], BatchNormMode.Training);
        string backward = Outcome(() => layer.Backward(x, new float[world.Rank == 1 ? 3 : x.Length], shape, new float[x.Length]));
        File.WriteAllLines(Path.Combine(output, $"rank{world.Rank}.txt"), [$"forward {forward}", $"unchanged {unchanged}", $"backward {backward}"]);
    }

    private static string Outcome(Action call)
    {
        try
        {
            call();
            return "ok";
        }
        catch (Exception e)
        {
            return $"{e.GetType().Name}: {e.Message}";
        }
    }
}
