namespace NativeBn.Kernels;

/// <summary>
/// What <see cref="SlidingWindow"/> computes over one channel's window taps: a starting value, a step per tap (in
/// kernel order) and a finishing step, each on a vector of adjacent output columns.
/// </summary>
internal interface IWindowOperator
{
    /// <summary>The value the taps are folded into, for channel <paramref name="channel"/>.</summary>
    TF Start<TS, TF, TD>(int channel)
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct;

    /// <summary>What tap <paramref name="tap"/> brings to every step (a depthwise weight broadcast), taken once per tap and block.</summary>
    TF Tap<TS, TF, TD>(int tap)
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct;

    /// <summary>Folds a tap's inputs into <paramref name="value"/>, given the tap's <see cref="Tap"/>.</summary>
    TF Step<TS, TF, TD>(TF value, TF inputs, TF tap)
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct;

    TF Finish<TS, TF, TD>(TF value)
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct;
}
