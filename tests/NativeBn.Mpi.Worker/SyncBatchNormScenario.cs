using NativeBn.Normalization;

namespace NativeBn.Mpi.Worker;

/// <summary>
/// <c>syncbn OUT LAYOUT n0 n1 ...</c>: rank r trains on samples [Σn&lt;r, Σn≤r) of a seeded batch for three steps with a
/// synchronized layer (a rank with n = 0 joins without data) and writes y, dx, gradients and running statistics of
/// each step to <c>OUT/rank{r}.txt</c>. The last step is measured for allocations.
/// </summary>
public static class SyncBatchNormScenario
{
    public const int Steps = 3;

    public static void Run(MpiCommunicator world, string output, string layout, int[] sizes)
    {
        BatchNorm layer = ScenarioData.Layer(new MpiBatchStatisticsSynchronizer(world));
        (int first, int end) = ScenarioData.Part(sizes, world.Rank);
        int total = sizes.Sum(), share = end - first;
        var results = new List<(string, IEnumerable<double>)>();
        for (int step = 0; step < Steps; step++)
        {
            TensorShape whole = ScenarioData.Shape(layout, total);
            float[] x = ScenarioData.Batch(whole, 100 + step);
            float[] dy = ScenarioData.Gradient(x.Length, 200 + step);
            int sample = (int)(whole.ElementCount / total);
            float[] y = new float[share * sample], dx = new float[share * sample];
            long before = GC.GetAllocatedBytesForCurrentThread();
            if (share == 0)
            {
                layer.ForwardWithoutData(BatchNormMode.Training);
                layer.BackwardWithoutData();
            }
            else
            {
                TensorShape shape = ScenarioData.Shape(layout, share);
                layer.Forward(x.AsSpan(first * sample, share * sample), shape, y, BatchNormMode.Training);
                layer.Backward(x.AsSpan(first * sample, share * sample), dy.AsSpan(first * sample, share * sample), shape, dx);
            }

            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            results.Add(($"y{step}", ResultFile.Of(y)));
            results.Add(($"dx{step}", ResultFile.Of(dx)));
            results.Add(($"dgamma{step}", ResultFile.Of(layer.GammaGradient)));
            results.Add(($"dbeta{step}", ResultFile.Of(layer.BetaGradient)));
            results.Add(($"runningMean{step}", ResultFile.Of(layer.RunningMean)));
            results.Add(($"runningVariance{step}", ResultFile.Of(layer.RunningVariance)));
            results.Add(($"allocated{step}", [allocated]));
        }

        ResultFile.Write(Path.Combine(output, $"rank{world.Rank}.txt"), results);
    }
}
