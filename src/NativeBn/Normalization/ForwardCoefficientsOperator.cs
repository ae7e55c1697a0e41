using System.Runtime.InteropServices;
using NativeBn.Kernels;

namespace NativeBn.Normalization;

/// <summary>
/// Per channel, from a mean and a sum of squared deviations: <c>var = M2·inverseCount</c>,
/// <c>invstd = 1/sqrt(var + eps)</c>, <c>A = gamma·invstd</c>, and the normalize step's parameters
/// (mean, scale = A, shift = beta) as float; the saved context's renormalization factors become r = 1, d = 0.
/// With <c>inverseCount = 1</c> the "M2" is a stored variance.
/// </summary>
internal readonly ref struct ForwardCoefficientsOperator(
    ReadOnlySpan<double> mean, ReadOnlySpan<double> m2, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
    double inverseCount, double epsilon, SavedContext saved, Span<float> normalizeMean, Span<float> scale, Span<float> shift)
    : IChannelParameterOperator
{
    private readonly ReadOnlySpan<double> _mean = mean;
    private readonly ReadOnlySpan<double> _m2 = m2;
    private readonly ReadOnlySpan<float> _gamma = gamma;
    private readonly ReadOnlySpan<float> _beta = beta;
    private readonly Span<float> _normalizeMean = normalizeMean;
    private readonly Span<float> _scale = scale;
    private readonly Span<float> _shift = shift;

    public void Invoke<TS, TF, TD>(nint channel)
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct
    {
        TS.LoadDoubles(ref MemoryMarshal.GetReference(_mean), channel, out TD meanLower, out TD meanUpper);
        TS.LoadDoubles(ref MemoryMarshal.GetReference(_m2), channel, out TD m2Lower, out TD m2Upper);
        TS.LoadWidened(ref MemoryMarshal.GetReference(_gamma), channel, out TD gammaLower, out TD gammaUpper);
        TD scale = TS.BroadcastDouble(inverseCount), eps = TS.BroadcastDouble(epsilon), one = TS.BroadcastDouble(1);
        TD varianceLower = TS.Multiply(m2Lower, scale), varianceUpper = TS.Multiply(m2Upper, scale);
        TD inverseLower = TS.Divide(one, TS.Sqrt(TS.Add(varianceLower, eps)));
        TD inverseUpper = TS.Divide(one, TS.Sqrt(TS.Add(varianceUpper, eps)));
        TD aLower = TS.Multiply(gammaLower, inverseLower), aUpper = TS.Multiply(gammaUpper, inverseUpper);
        TS.StoreDoubles(meanLower, meanUpper, ref saved.Mean[0], channel);
        TS.StoreDoubles(varianceLower, varianceUpper, ref saved.Variance[0], channel);
        TS.StoreDoubles(inverseLower, inverseUpper, ref saved.InverseStd[0], channel);
        TS.StoreDoubles(aLower, aUpper, ref saved.A[0], channel);
        TS.StoreDoubles(one, one, ref saved.R[0], channel);
        TS.StoreDoubles(TS.ZeroDouble, TS.ZeroDouble, ref saved.D[0], channel);
        TS.Store(TS.Narrow(meanLower, meanUpper), ref MemoryMarshal.GetReference(_normalizeMean), channel);
        TS.Store(TS.Narrow(aLower, aUpper), ref MemoryMarshal.GetReference(_scale), channel);
        TS.Store(TS.Load(ref MemoryMarshal.GetReference(_beta), channel), ref MemoryMarshal.GetReference(_shift), channel);
    }
}
