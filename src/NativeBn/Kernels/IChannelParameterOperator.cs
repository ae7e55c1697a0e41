namespace NativeBn.Kernels;

/// <summary>
/// Per-channel parameter arithmetic (statistics into coefficients, running-average blends): a pure function from
/// per-channel input spans to distinct per-channel output spans, computed for the channels of one float vector
/// starting at <c>channel</c>. Being pure, it may be applied twice to the same channels, which is how
/// <see cref="ChannelParameterDriver"/> covers a channel count that is not a multiple of the vector.
/// </summary>
internal interface IChannelParameterOperator
{
    void Invoke<TS, TF, TD>(nint channel)
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct;
}
