namespace NativeBn.Benchmarks;

/// <summary>
/// A benchmark shape and the threads every implementation may use: <c>[N, C]</c> when <see cref="H"/> and
/// <see cref="W"/> are 0, else <c>[N, C, H, W]</c> (channels first, NCHW).
/// </summary>
public sealed record BnCase(int N, int C, int Threads, int H = 0, int W = 0)
{
    /// <summary>True for <c>[N, C, H, W]</c>.</summary>
    public bool ChannelsFirst => H > 0;

    /// <summary>Values in the tensor.</summary>
    public int Values => checked(N * C * Math.Max(1, H) * Math.Max(1, W));

    /// <summary>The NativeBn shape of this case.</summary>
    public TensorShape Shape => ChannelsFirst ? TensorShape.ChannelsFirst(N, C, H, W) : TensorShape.Features(N, C);

    /// <summary>Environment variable: the least N of the cases to run (all when unset), as <c>benchmarks/launches.sh</c> sets it.</summary>
    public const string MinimumNVariable = "NATIVEBN_BENCHMARK_MIN_N";

    /// <summary>The cases whose N is at least <see cref="MinimumNVariable"/>'s value.</summary>
    public static IEnumerable<BnCase> AtLeastMinimumN(IEnumerable<BnCase> cases) =>
        int.TryParse(Environment.GetEnvironmentVariable(MinimumNVariable), out int least) ? cases.Where(c => c.N >= least) : cases;

    public override string ToString() => ChannelsFirst ? $"NCHW={N}x{C}x{H}x{W} T={Threads}" : $"N={N} C={C} T={Threads}";
}
