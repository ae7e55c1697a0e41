using System;

namespace NativeBn.Generators
{
    /// <summary>
    /// A per-channel reduction into two double sums: public name, documentation, float inputs, the double
    /// parameter and the two outputs, and the statements that add one (widened) value into the accumulators.
    /// </summary>
    internal sealed class SumsKernel
    {
        private SumsKernel(string name, string summary, string[] inputs, string parameter, string first, string second, Func<IsaSpec, string, string, string> accumulate)
        {
            Name = name;
            Summary = summary;
            Inputs = inputs;
            Parameter = parameter;
            First = first;
            Second = second;
            Accumulate = accumulate;
        }

        /// <summary>
        /// <c>a += x - k</c>, <c>b += (x - k)²</c> with k each channel's first value: the shifted moments the
        /// statistics kernel finishes into mean and M2.
        /// </summary>
        public static SumsKernel ShiftedMoments { get; } = new(
            "Statistics", "", ["x"], "mean", "sum", "m2",
            (isa, half, t) => $"{isa.DoubleType} d{half} = u{half} - {t}p{half}; {t}a{half} = {t}a{half} + d{half}; {t}b{half} = {isa.FmaDouble($"d{half}", $"d{half}", $"{t}b{half}")};");

        /// <summary><c>a += dy</c>, <c>b += dy·(x - mean)</c>.</summary>
        public static SumsKernel GradientSums { get; } = new(
            "GradientSums",
            "The backward reductions per channel: <c>sumOutputGradient = Σdy</c> and <c>sumCenteredProduct = Σdy·(x - mean)</c> (so <c>Σdy·x̂ = invstd·sumCenteredProduct</c>), summed in double.",
            ["outputGradient", "x"], "mean", "sumOutputGradient", "sumCenteredProduct",
            (isa, half, t) => $"{t}a{half} = {t}a{half} + u{half}; {t}b{half} = {isa.FmaDouble($"u{half}", $"(v{half} - {t}p{half})", $"{t}b{half}")};");

        public string Name { get; }

        public string Summary { get; }

        public string[] Inputs { get; }

        public string Parameter { get; }

        public string First { get; }

        public string Second { get; }

        /// <summary>
        /// Statements for one half ("Lo", "Hi", or "_" for scalar) given widened u/v; the accumulators and the parameter
        /// are named a, b, p with the given prefix ("" or "t").
        /// </summary>
        public Func<IsaSpec, string, string, string> Accumulate { get; }
    }
}
