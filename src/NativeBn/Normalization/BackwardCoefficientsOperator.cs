using System.Runtime.InteropServices;
using NativeBn.Kernels;

namespace NativeBn.Normalization;

/// <summary>
/// Per channel, from the saved forward context and the backward sums <c>Σdy</c> and <c>Σdy·(x - mean)</c>: the input
/// gradient's parameters a = A, k = -invstd²·Σdy(x-mean)/n, mean and e = -A·Σdy/n as float (see
/// <see cref="Kernels.Operators.InputGradientOperator"/>), and, when gamma and beta train,
/// <c>dgamma = r·invstd·Σdy(x-mean) + d·Σdy</c> and <c>dbeta = Σdy</c>.
/// </summary>
internal readonly ref struct BackwardCoefficientsOperator(
    SavedContext saved, ReadOnlySpan<double> sumDy, ReadOnlySpan<double> sumCentered, double inverseCount, bool trainAffine,
    Span<float> a, Span<float> k, Span<float> mean, Span<float> e, Span<float> gammaGradient, Span<float> betaGradient)
    : IChannelParameterOperator
{
    private readonly ReadOnlySpan<double> _sumDy = sumDy;
    private readonly ReadOnlySpan<double> _sumCentered = sumCentered;
    private readonly Span<float> _a = a;
    private readonly Span<float> _k = k;
    private readonly Span<float> _mean = mean;
    private readonly Span<float> _e = e;
    private readonly Span<float> _gammaGradient = gammaGradient;
    private readonly Span<float> _betaGradient = betaGradient;

    public void Invoke<TS, TF, TD>(nint channel)
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct
    {
        TS.LoadDoubles(ref saved.A[0], channel, out TD aLower, out TD aUpper);
        TS.LoadDoubles(ref saved.InverseStd[0], channel, out TD inverseLower, out TD inverseUpper);
        TS.LoadDoubles(ref saved.Mean[0], channel, out TD meanLower, out TD meanUpper);
        TS.LoadDoubles(ref MemoryMarshal.GetReference(_sumDy), channel, out TD dyLower, out TD dyUpper);
        TS.LoadDoubles(ref MemoryMarshal.GetReference(_sumCentered), channel, out TD centeredLower, out TD centeredUpper);
        TD negativeScale = TS.BroadcastDouble(-inverseCount);
        TD scaledLower = TS.Multiply(aLower, negativeScale), scaledUpper = TS.Multiply(aUpper, negativeScale);
        TS.Store(TS.Narrow(aLower, aUpper), ref MemoryMarshal.GetReference(_a), channel);
        TS.Store(TS.Narrow(
            TS.Multiply(TS.Multiply(negativeScale, TS.Multiply(inverseLower, inverseLower)), centeredLower),
            TS.Multiply(TS.Multiply(negativeScale, TS.Multiply(inverseUpper, inverseUpper)), centeredUpper)),
            ref MemoryMarshal.GetReference(_k), channel);
        TS.Store(TS.Narrow(meanLower, meanUpper), ref MemoryMarshal.GetReference(_mean), channel);
        TS.Store(TS.Narrow(TS.Multiply(scaledLower, dyLower), TS.Multiply(scaledUpper, dyUpper)), ref MemoryMarshal.GetReference(_e), channel);
        if (trainAffine)
        {
            TS.LoadDoubles(ref saved.R[0], channel, out TD rLower, out TD rUpper);
            TS.LoadDoubles(ref saved.D[0], channel, out TD dLower, out TD dUpper);
            TS.Store(TS.Narrow(
                TS.Add(TS.Multiply(TS.Multiply(rLower, inverseLower), centeredLower), TS.Multiply(dLower, dyLower)),
                TS.Add(TS.Multiply(TS.Multiply(rUpper, inverseUpper), centeredUpper), TS.Multiply(dUpper, dyUpper))),
                ref MemoryMarshal.GetReference(_gammaGradient), channel);
            TS.Store(TS.Narrow(dyLower, dyUpper), ref MemoryMarshal.GetReference(_betaGradient), channel);
        }
    }
}
