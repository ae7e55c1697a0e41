using System.Globalization;

namespace NativeBn.Normalization;

/// <summary>
/// Batch Renormalization (Ioffe 2017, arXiv 1702.03275). In training with batch statistics the output becomes
/// <c>y = gamma·(x̂·r + d) + beta</c> with <c>r = clip(σ_B/σ, 1/rmax, rmax)</c> and
/// <c>d = clip((μ_B - μ)/σ, -dmax, dmax)</c>, where μ and <c>σ = sqrt(running variance + eps)</c> are the running
/// statistics before this batch's update, and r, d carry no gradient. Limits either stay fixed or follow a
/// linear ramp over training steps (the paper's schedule: rmax 1 → 3 over steps 5,000 → 40,000 and
/// dmax 0 → 5 over steps 5,000 → 25,000).
/// </summary>
public sealed class BatchRenormalization
{
    private BatchRenormalization(double rMaxStart, double rMaxEnd, long rRampEnd, double dMaxStart, double dMaxEnd, long dRampEnd, long rampStart)
    {
        RMaxStart = rMaxStart;
        RMaxEnd = rMaxEnd;
        RMaxRampEnd = rRampEnd;
        DMaxStart = dMaxStart;
        DMaxEnd = dMaxEnd;
        DMaxRampEnd = dRampEnd;
        RampStart = rampStart;
    }

    /// <summary>The paper's schedule: rmax 1 → 3 over steps 5,000 → 40,000, dmax 0 → 5 over steps 5,000 → 25,000.</summary>
    public static BatchRenormalization PaperSchedule { get; } = Schedule(3, 5, 5_000, 40_000, 25_000);

    /// <summary>rmax at <see cref="RampStart"/> and before.</summary>
    public double RMaxStart { get; }

    /// <summary>rmax at <see cref="RMaxRampEnd"/> and after.</summary>
    public double RMaxEnd { get; }

    /// <summary>dmax at <see cref="RampStart"/> and before.</summary>
    public double DMaxStart { get; }

    /// <summary>dmax at <see cref="DMaxRampEnd"/> and after.</summary>
    public double DMaxEnd { get; }

    /// <summary>Training step where both ramps begin.</summary>
    public long RampStart { get; }

    /// <summary>Training step where rmax reaches <see cref="RMaxEnd"/>.</summary>
    public long RMaxRampEnd { get; }

    /// <summary>Training step where dmax reaches <see cref="DMaxEnd"/>.</summary>
    public long DMaxRampEnd { get; }

    /// <summary>Fixed limits at every step.</summary>
    /// <param name="rMax">At least 1.</param>
    /// <param name="dMax">At least 0.</param>
    public static BatchRenormalization Fixed(double rMax, double dMax)
    {
        Validate(rMax, dMax);
        return new BatchRenormalization(rMax, rMax, 0, dMax, dMax, 0, 0);
    }

    /// <summary>
    /// Limits that start at rmax = 1, dmax = 0 and grow linearly from step <paramref name="rampStart"/> to
    /// <paramref name="rMax"/> at step <paramref name="rMaxRampEnd"/> and <paramref name="dMax"/> at step <paramref name="dMaxRampEnd"/>.
    /// </summary>
    public static BatchRenormalization Schedule(double rMax, double dMax, long rampStart, long rMaxRampEnd, long dMaxRampEnd)
    {
        Validate(rMax, dMax);
        if (rampStart < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(rampStart), rampStart, $"rampStart must be at least 0, got {rampStart}.");
        }

        if (rMaxRampEnd <= rampStart)
        {
            throw new ArgumentOutOfRangeException(nameof(rMaxRampEnd), rMaxRampEnd,
                $"rMaxRampEnd must be after rampStart ({rampStart}), got {rMaxRampEnd}.");
        }

        if (dMaxRampEnd <= rampStart)
        {
            throw new ArgumentOutOfRangeException(nameof(dMaxRampEnd), dMaxRampEnd,
                $"dMaxRampEnd must be after rampStart ({rampStart}), got {dMaxRampEnd}.");
        }

        return new BatchRenormalization(1, rMax, rMaxRampEnd, 0, dMax, dMaxRampEnd, rampStart);
    }

    /// <summary>The limits in force at training step <paramref name="step"/> (0 for the first batch).</summary>
    public (double RMax, double DMax) LimitsAt(long step) =>
        (Ramp(RMaxStart, RMaxEnd, RMaxRampEnd, step), Ramp(DMaxStart, DMaxEnd, DMaxRampEnd, step));

    /// <inheritdoc />
    public override string ToString() => RMaxStart == RMaxEnd && DMaxStart == DMaxEnd
        ? string.Create(CultureInfo.InvariantCulture, $"rmax {RMaxEnd}, dmax {DMaxEnd}")
        : string.Create(CultureInfo.InvariantCulture,
            $"rmax {RMaxStart} → {RMaxEnd} over steps {RampStart} → {RMaxRampEnd}, dmax {DMaxStart} → {DMaxEnd} over steps {RampStart} → {DMaxRampEnd}");

    private double Ramp(double start, double end, long rampEnd, long step)
    {
        if (start == end || step >= rampEnd)
        {
            return end;
        }

        return step <= RampStart ? start : start + (end - start) * (step - RampStart) / (rampEnd - RampStart);
    }

    private static void Validate(double rMax, double dMax)
    {
        if (!(rMax >= 1) || double.IsInfinity(rMax))
        {
            throw new ArgumentOutOfRangeException(nameof(rMax), rMax, $"rMax must be finite and at least 1, got {rMax.ToString(CultureInfo.InvariantCulture)}.");
        }

        if (!(dMax >= 0) || double.IsInfinity(dMax))
        {
            throw new ArgumentOutOfRangeException(nameof(dMax), dMax, $"dMax must be finite and at least 0, got {dMax.ToString(CultureInfo.InvariantCulture)}.");
        }
    }
}
