namespace NativeBn.Cli.Bench;

/// <summary>
/// One case of <c>nativebn bench</c>: what is measured (<see cref="Name"/>), on which shape (<c>[N, C]</c>, or
/// <c>[N, C, H, W]</c> for the <c>-nchw</c> cases; <see cref="H"/> and <see cref="W"/> are 1 otherwise), with how many
/// threads at most.
/// </summary>
internal sealed record BenchCase(string Name, int N, int C, int H, int W, int Threads)
{
    /// <summary>
    /// The cases, in the order they run: single-sample and small-batch inference on one thread; inference and training
    /// at N = 4096 and N = 16384 (64 MB per tensor, beyond the L3 of most CPUs), C = 1024, on two threads; the
    /// BatchNorm layers of CNNs in NCHW (ResNet's first stage at batch 32, a late stage at batch 8); the demo network.
    /// </summary>
    public static IReadOnlyList<BenchCase> All { get; } =
    [
        Features("bn-infer", 1, 64, 1), Features("bn-infer", 1, 256, 1), Features("bn-infer", 1, 1024, 1),
        Features("bn-infer", 32, 64, 1), Features("bn-infer", 32, 256, 1), Features("bn-infer", 32, 1024, 1),
        Features("bn-infer", 4096, 1024, 2), Features("bn-infer", 16384, 1024, 2),
        Features("bn-train-fwd", 32, 256, 1), Features("bn-train-fwd", 4096, 1024, 2), Features("bn-train-fwd", 16384, 1024, 2),
        Features("bn-train-fwdbwd", 32, 256, 1), Features("bn-train-fwdbwd", 4096, 1024, 2), Features("bn-train-fwdbwd", 16384, 1024, 2),
        new("bn-infer-nchw", 32, 64, 56, 56, 2), new("bn-infer-nchw", 8, 256, 14, 14, 2),
        new("bn-train-fwd-nchw", 32, 64, 56, 56, 2), new("bn-train-fwd-nchw", 8, 256, 14, 14, 2),
        Features("mlp-predict", 1, 784, 1), Features("mlp-train-step", 32, 784, 1),
    ];

    /// <summary>Values in the tensor: N·C·H·W.</summary>
    public int Values => checked(N * C * H * W);

    /// <summary>True for the cases on <c>[N, C, H, W]</c> (channels first).</summary>
    public bool ChannelsFirst => Name.EndsWith("-nchw", StringComparison.Ordinal);

    /// <summary>True for the cases of a single BatchNorm layer (the rest run the demo network).</summary>
    public bool IsBatchNorm => Name.StartsWith("bn-", StringComparison.Ordinal);

    private static BenchCase Features(string name, int n, int c, int threads) => new(name, n, c, 1, 1, threads);
}
