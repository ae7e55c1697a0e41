using System.Globalization;
using NativeBn.Data;
using NativeBn.Normalization;

namespace NativeBn.Interop.Safetensors;

/// <summary>
/// A BatchNorm layer's conventions in a safetensors file's metadata, which a <c>state_dict</c> does not carry:
/// <c>nativebn.NAME.epsilon</c>, <c>nativebn.NAME.momentum</c> (a number in the naming's own meaning, or
/// <c>cumulative</c>) and <c>nativebn.NAME.running_variance</c> (<c>biased</c> or <c>unbiased</c>).
/// </summary>
internal static class BatchNormMetadata
{
    /// <summary>Records <paramref name="conventions"/> for layer <paramref name="name"/>, the momentum in <paramref name="meaning"/>.</summary>
    public static void Write(Dictionary<string, string> metadata, string name, BatchNormConventions conventions, MomentumConvention meaning)
    {
        metadata[$"nativebn.{name}.epsilon"] = conventions.Epsilon.ToString("R", CultureInfo.InvariantCulture);
        metadata[$"nativebn.{name}.momentum"] = conventions.MomentumConvention == MomentumConvention.CumulativeAverage
            ? "cumulative"
            : conventions.MomentumIn(meaning).ToString("R", CultureInfo.InvariantCulture);
        metadata[$"nativebn.{name}.running_variance"] = conventions.RunningVariance == RunningVarianceConvention.Unbiased ? "unbiased" : "biased";
    }

    /// <summary>
    /// The conventions of layer <paramref name="name"/>: each value the metadata states (a momentum number read in
    /// <paramref name="meaning"/>), the rest from <paramref name="fallback"/>. Values out of range throw
    /// <see cref="ArgumentOutOfRangeException"/>; text that is not a number throws <see cref="DataFormatException"/>.
    /// </summary>
    public static BatchNormConventions Read(
        IReadOnlyDictionary<string, string> metadata, string name, BatchNormConventions fallback, MomentumConvention meaning, string source)
    {
        double epsilon = metadata.TryGetValue($"nativebn.{name}.epsilon", out string? e) ? Number(e, source) : fallback.Epsilon;
        RunningVarianceConvention variance = metadata.TryGetValue($"nativebn.{name}.running_variance", out string? r)
            ? (r == "biased" ? RunningVarianceConvention.Biased : RunningVarianceConvention.Unbiased)
            : fallback.RunningVariance;
        return metadata.TryGetValue($"nativebn.{name}.momentum", out string? momentum)
            ? momentum == "cumulative"
                ? new BatchNormConventions(0, MomentumConvention.CumulativeAverage, epsilon, variance)
                : new BatchNormConventions(Number(momentum, source), meaning, epsilon, variance)
            : new BatchNormConventions(fallback.Momentum, fallback.MomentumConvention, epsilon, variance);
    }

    private static double Number(string text, string source) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value)
            ? value
            : throw new DataFormatException($"{source}: metadata value '{text}' is not a number.");
}
