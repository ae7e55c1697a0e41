namespace NativeBn.Kernels;

/// <summary>
/// Element-wise arithmetic with per-channel parameters: <c>y = f(u, v, p0, p1, p2, p3)</c>, where
/// <c>u</c> (and <c>v</c> for two-input operators) are the values at one position and <c>p0..p3</c> the
/// parameters of that position's channel. The driver owns loops, tails, layouts and width dispatch;
/// the operator owns only the arithmetic.
/// </summary>
internal interface IChannelMapOperator
{
    /// <summary>How many of <c>p0..p3</c> the operator reads (the driver loads no others).</summary>
    static abstract int ParameterCount { get; }

    /// <summary>True when the operator reads <c>v</c> (the driver loads nothing for <c>v</c> otherwise).</summary>
    static abstract bool ReadsSecondInput { get; }

    static abstract TF Invoke<TS, TF, TD>(TF u, TF v, TF p0, TF p1, TF p2, TF p3)
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct;
}
