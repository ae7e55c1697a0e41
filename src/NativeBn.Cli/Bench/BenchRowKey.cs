namespace NativeBn.Cli.Bench;

/// <summary>One row of a comparison: a case on one shape (<see cref="H"/> and <see cref="W"/> are 1 for <c>[N, C]</c>) and thread count.</summary>
internal sealed record BenchRowKey(string Case, int N, int C, int H, int W, int Threads)
{
    public override string ToString() => H == 1 && W == 1
        ? $"{Case} N={N} C={C} threads={Threads}"
        : $"{Case} N={N} C={C} H={H} W={W} threads={Threads}";
}
