namespace NativeBn.Benchmarks;

/// <summary>A benchmark shape <c>[N, C]</c> and the threads every implementation may use.</summary>
public sealed record BnCase(int N, int C, int Threads)
{
    public override string ToString() => $"N={N} C={C} T={Threads}";
}
