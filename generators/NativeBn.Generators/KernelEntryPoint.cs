using System.Linq;

namespace NativeBn.Generators
{
    /// <summary>
    /// One kernel the generator emits per width: its name (the width is appended), documentation and signature. The
    /// emitted body forwards to the method of the same name on <c>NativeBn.Kernels.RowKernels&lt;TWidth&gt;</c>, which
    /// holds the checks and the arithmetic.
    /// </summary>
    internal sealed class KernelEntryPoint
    {
        private KernelEntryPoint(string name, string summary, params (string Type, string Name, string Doc)[] parameters)
        {
            Name = name;
            Summary = summary;
            Parameters = parameters;
        }

        /// <summary>Every kernel, in the order of <c>WidthKernels</c>' constructor.</summary>
        public static KernelEntryPoint[] All { get; } =
        [
            new("Infer", "Inference with folded coefficients: <c>y = x·scale + shift</c>.",
                ("ReadOnlySpan<float>", "x", Rows), ("ReadOnlySpan<float>", "scale", PerChannel), ("ReadOnlySpan<float>", "shift", PerChannel),
                ("Span<float>", "y", Output)),
            new("InferRelu", "Inference fused with ReLU: <c>y = max(x·scale + shift, 0)</c>.",
                ("ReadOnlySpan<float>", "x", Rows), ("ReadOnlySpan<float>", "scale", PerChannel), ("ReadOnlySpan<float>", "shift", PerChannel),
                ("Span<float>", "y", Output)),
            new("Normalize", "The training-forward normalize step: <c>y = (x - mean)·scale + shift</c>.",
                ("ReadOnlySpan<float>", "x", Rows), ("ReadOnlySpan<float>", "mean", PerChannel), ("ReadOnlySpan<float>", "scale", PerChannel),
                ("ReadOnlySpan<float>", "shift", PerChannel), ("Span<float>", "y", Output)),
            new("InputGradient", "The input gradient with batch statistics: <c>dx = a·dy + (a·(x - mean))·k + e</c>.",
                ("ReadOnlySpan<float>", "outputGradient", Rows), ("ReadOnlySpan<float>", "x", "The forward input, same length."),
                ("ReadOnlySpan<float>", "a", PerChannel), ("ReadOnlySpan<float>", "k", PerChannel), ("ReadOnlySpan<float>", "mean", PerChannel),
                ("ReadOnlySpan<float>", "e", PerChannel), ("Span<float>", "inputGradient", Output)),
            new("Statistics",
                "Per-channel mean and <c>M2 = Σ(x - mean)²</c> in one read: double sums of the values shifted by each channel's first value (no float <c>E[x²] - E[x]²</c>). The biased variance is <c>M2/N</c>.",
                ("ReadOnlySpan<float>", "x", Rows), ("Span<double>", "mean", "Receives the mean of each channel."),
                ("Span<double>", "m2", "Receives the sum of squared deviations of each channel.")),
            new("GradientSums",
                "The backward reductions per channel in double: <c>sumOutputGradient = Σdy</c> and <c>sumCenteredProduct = Σdy·(x - mean)</c> (so <c>Σdy·x̂ = invstd·sumCenteredProduct</c>).",
                ("ReadOnlySpan<float>", "outputGradient", Rows), ("ReadOnlySpan<float>", "x", "The forward input, same length."),
                ("ReadOnlySpan<double>", "mean", "The mean the forward pass normalized with, one per channel."),
                ("Span<double>", "sumOutputGradient", "Receives Σdy per channel."),
                ("Span<double>", "sumCenteredProduct", "Receives Σdy·(x - mean) per channel.")),
        ];

        public string Name { get; }

        public string Summary { get; }

        public (string Type, string Name, string Doc)[] Parameters { get; }

        public string Signature => string.Join(", ", Parameters.Select(p => p.Type + " " + p.Name));

        public string Arguments => string.Join(", ", Parameters.Select(p => p.Name));

        private const string Rows = "Values <c>[N, W]</c>, N ≥ 1: the length must be a positive multiple of W.";

        private const string PerChannel = "One value per channel (W).";

        private const string Output = "Receives the result, the input's length; may be the same buffer as an input.";
    }
}
