namespace NativeBn.Model.Nodes;

/// <summary>The two window poolings over <c>[N, C, H, W]</c>: maximum, or average.</summary>
public enum PoolKind
{
    /// <summary>The largest value of each window (padding never wins).</summary>
    Max,

    /// <summary>The mean of each window, over the window's positions inside the input or, with count_include_pad, all of them.</summary>
    Average,
}

/// <summary>
/// Max or average pooling over <c>[N, C, H, W]</c> with a <see cref="Window2d"/> (ONNX <c>MaxPool</c>/<c>AveragePool</c>,
/// PyTorch <c>nn.MaxPool2d</c>/<c>nn.AvgPool2d</c>), with ceil mode and, for averages, count_include_pad.
/// </summary>
public sealed class PoolNode : ModelNode
{
    /// <summary>A pooling node.</summary>
    public PoolNode(string name, string input, PoolKind pool, Window2d window, bool ceilMode = false, bool countIncludePad = false)
        : base(name, [input], 1)
    {
        ArgumentNullException.ThrowIfNull(window);
        if (!Enum.IsDefined(pool))
        {
            throw Invalid($"has unknown pooling {pool}.");
        }

        if (window.PadTop >= window.KernelHeight || window.PadBottom >= window.KernelHeight || window.PadLeft >= window.KernelWidth || window.PadRight >= window.KernelWidth)
        {
            throw Invalid($"pads {window} as much as its kernel; padding must be smaller than the kernel.");
        }

        Pool = pool;
        Window = window;
        CeilMode = ceilMode;
        CountIncludePad = countIncludePad;
    }

    /// <inheritdoc />
    public override string Kind => Pool == PoolKind.Max ? "MaxPool" : "AveragePool";

    /// <summary>Maximum or average.</summary>
    public PoolKind Pool { get; }

    /// <summary>Kernel, strides, padding and dilations.</summary>
    public Window2d Window { get; }

    /// <summary>Output sizes rounded up (a last partial window counts).</summary>
    public bool CeilMode { get; }

    /// <summary>For averages: divide by the whole kernel size, padding included.</summary>
    public bool CountIncludePad { get; }

    /// <inheritdoc />
    public override ShapeInfo InferShape(IReadOnlyList<ShapeInfo> inputs)
    {
        ShapeInfo input = inputs[0];
        if (input.Rank != 4 || !input.IsBatched)
        {
            throw Invalid($"takes [N, C, H, W], got {input}.");
        }

        int height = Window.OutputHeight(input[2], CeilMode), width = Window.OutputWidth(input[3], CeilMode);
        if (height < 1 || width < 1)
        {
            throw Invalid($"a {Window} window does not fit an input of {input[2]}x{input[3]}.");
        }

        return new ShapeInfo([input.Dimensions[0], input.Dimensions[1], Dimension.Of(height), Dimension.Of(width)]);
    }

    /// <inheritdoc />
    public override ModelNode WithInputs(IEnumerable<string> inputs) => new PoolNode(Name, inputs.Single(), Pool, Window, CeilMode, CountIncludePad);
}
