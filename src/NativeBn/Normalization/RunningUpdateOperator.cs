using System.Runtime.InteropServices;
using NativeBn.Kernels;

namespace NativeBn.Normalization;

/// <summary>
/// The running-statistics blend per channel, into new arrays: <c>mean' = (1 - w)·mean + w·batchMean</c>,
/// <c>var' = (1 - w)·var + w·varianceScale·batchM2</c> (varianceScale is 1/n or 1/(n - 1)).
/// </summary>
internal readonly ref struct RunningUpdateOperator(
    ReadOnlySpan<double> mean, ReadOnlySpan<double> variance, ReadOnlySpan<double> batchMean, ReadOnlySpan<double> batchM2,
    double weight, double varianceScale, Span<double> newMean, Span<double> newVariance)
    : IChannelParameterOperator
{
    private readonly ReadOnlySpan<double> _mean = mean;
    private readonly ReadOnlySpan<double> _variance = variance;
    private readonly ReadOnlySpan<double> _batchMean = batchMean;
    private readonly ReadOnlySpan<double> _batchM2 = batchM2;
    private readonly Span<double> _newMean = newMean;
    private readonly Span<double> _newVariance = newVariance;

    public void Invoke<TS, TF, TD>(nint channel)
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct
    {
        TD keep = TS.BroadcastDouble(1 - weight), take = TS.BroadcastDouble(weight), takeVariance = TS.BroadcastDouble(weight * varianceScale);
        TS.LoadDoubles(ref MemoryMarshal.GetReference(_mean), channel, out TD meanLower, out TD meanUpper);
        TS.LoadDoubles(ref MemoryMarshal.GetReference(_batchMean), channel, out TD batchMeanLower, out TD batchMeanUpper);
        TS.StoreDoubles(
            TS.Add(TS.Multiply(keep, meanLower), TS.Multiply(take, batchMeanLower)),
            TS.Add(TS.Multiply(keep, meanUpper), TS.Multiply(take, batchMeanUpper)),
            ref MemoryMarshal.GetReference(_newMean), channel);
        TS.LoadDoubles(ref MemoryMarshal.GetReference(_variance), channel, out TD varianceLower, out TD varianceUpper);
        TS.LoadDoubles(ref MemoryMarshal.GetReference(_batchM2), channel, out TD batchVarianceLower, out TD batchVarianceUpper);
        TS.StoreDoubles(
            TS.Add(TS.Multiply(keep, varianceLower), TS.Multiply(takeVariance, batchVarianceLower)),
            TS.Add(TS.Multiply(keep, varianceUpper), TS.Multiply(takeVariance, batchVarianceUpper)),
            ref MemoryMarshal.GetReference(_newVariance), channel);
    }
}
