namespace NativeBn.Kernels;

/// <summary>
/// A per-channel reduction into two double sums: for every value, <c>(a, b) += f(u, v, p)</c>, computed in
/// double on the widened inputs, where <c>p</c> is the channel's parameter (a shift or a mean). The driver
/// owns loops, tails (it drops the contributions of overlapping tail lanes) and width dispatch.
/// </summary>
internal interface IChannelSumsOperator
{
    /// <summary>True when the operator reads <c>v</c> (the driver loads nothing for <c>v</c> otherwise).</summary>
    static abstract bool ReadsSecondInput { get; }

    /// <summary>Adds the contributions of one double vector of values to <paramref name="a"/> and <paramref name="b"/>.</summary>
    static abstract void Accumulate<TS, TF, TD>(TD u, TD v, TD p, ref TD a, ref TD b)
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct;
}
