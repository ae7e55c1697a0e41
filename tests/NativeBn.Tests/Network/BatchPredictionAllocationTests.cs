using NativeBn.Model;
using NativeBn.Network;
using NativeBn.Normalization;

namespace NativeBn.Tests.Network;

/// <summary>
/// <see cref="InferencePlan.PredictBatch"/> of a small CNN allocates nothing in steady state: on the calling thread,
/// and on every thread of the process (the worker that shares a two-thread batch included). Runs alone, so that other
/// tests' allocations do not count.
/// </summary>
[Collection(SerialCollection.Name)]
public class BatchPredictionAllocationTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void PredictingABatchAllocatesNothingInSteadyState(int maxThreads)
    {
        ModelDescription model = ArchitectureText.Build(
            "conv:4:3,batchnorm,relu,maxpool:2,conv:6:3,batchnorm,relu,maxpool:2,flatten,dense,softmax", 1, 12, 12, 5,
            new BatchNormOptions { MaxThreads = 1 }, seed: 3);
        InferencePlan plan = InferencePlan.Build(model, InferenceRegime.Folded);
        const int samples = 16;
        float[] x = TestData.Uniform(samples * plan.InputWidth, 7, 0f, 1f);
        var y = new float[samples * plan.OutputWidth];
        void Batches()
        {
            for (int i = 0; i < 20; i++)
            {
                plan.PredictBatch(x, y, maxThreads);
            }
        }

        long caller = AllocationMeter.Measure(Batches);
        long process = AllocationMeter.MeasureProcess(Batches);

        Assert.Equal((0L, 0L), (caller, process));
        Assert.All(y, value => Assert.True(float.IsFinite(value)));
    }
}
