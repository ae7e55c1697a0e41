using System;

namespace NativeBn.Generators
{
    /// <summary>
    /// An element-wise kernel: its public name, documentation, input and per-channel parameter names, and its
    /// arithmetic per width. Expressions receive the names of the current values (inputs) and parameters.
    /// </summary>
    internal sealed class MapKernel
    {
        private MapKernel(string name, string summary, string[] inputs, string[] parameters, string output, Func<IsaSpec, string[], string[], string> expression)
        {
            Name = name;
            Summary = summary;
            Inputs = inputs;
            Parameters = parameters;
            Output = output;
            Expression = expression;
        }

        public static MapKernel[] All { get; } =
        [
            new("Infer", "Inference with folded coefficients: <c>y = x·scale + shift</c>.",
                ["x"], ["scale", "shift"], "y",
                (isa, u, p) => isa.Fma(u[0], p[0], p[1])),
            new("InferRelu", "Inference fused with ReLU: <c>y = max(x·scale + shift, 0)</c>.",
                ["x"], ["scale", "shift"], "y",
                (isa, u, p) => isa.ReluOf(isa.Fma(u[0], p[0], p[1]))),
            new("Normalize", "The training-forward normalize step: <c>y = (x - mean)·scale + shift</c>.",
                ["x"], ["mean", "scale", "shift"], "y",
                (isa, u, p) => isa.Fma($"({u[0]} - {p[0]})", p[1], p[2])),
            new("InputGradient", "The input gradient with batch statistics: <c>dx = a·dy + b·(x - mean) + e</c>.",
                ["outputGradient", "x"], ["a", "b", "mean", "e"], "inputGradient",
                (isa, u, p) => isa.Fma($"({u[1]} - {p[2]})", p[1], isa.Fma(u[0], p[0], p[3]))),
        ];

        public string Name { get; }

        public string Summary { get; }

        public string[] Inputs { get; }

        public string[] Parameters { get; }

        public string Output { get; }

        public Func<IsaSpec, string[], string[], string> Expression { get; }
    }
}
