namespace NativeBn.Cli.Demo;

/// <summary>Settings of the train/inference mismatch demo (defaults: the classic set-up).</summary>
internal sealed record DemoOptions
{
    /// <summary>The network trained: the classic MLP or the small CNN.</summary>
    public DemoNetwork Network { get; init; } = DemoNetwork.Mlp;

    /// <summary>Seed of weights, shuffles and dropout.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Epochs over the training split.</summary>
    public int Epochs { get; init; } = 5;

    /// <summary>Training batch size.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Adam learning rate.</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>Width of the hidden layer.</summary>
    public int Hidden { get; init; } = 64;

    /// <summary>Training steps of the EMA-lag scenario (momentum 0.99 as decay).</summary>
    public int EmaLagSteps { get; init; } = 150;

    /// <summary>Dropout rate of the dropout-before-BatchNorm scenario.</summary>
    public double DropoutRate { get; init; } = 0.5;

    /// <summary>Inference batch sizes of the accuracy-against-batch-size curves.</summary>
    public IReadOnlyList<int> CurveBatchSizes { get; init; } = [1, 2, 4, 8, 16, 32, 64, 128, 256];
}

/// <summary>The demo's networks.</summary>
internal enum DemoNetwork
{
    /// <summary>784 → Dense 64 → BatchNorm → ReLU → Dense 10.</summary>
    Mlp,

    /// <summary>conv 3x3 8 → BatchNorm → ReLU → max-pool 2 → conv 3x3 16 → BatchNorm → ReLU → max-pool 2 → Dense 10.</summary>
    Cnn,
}
