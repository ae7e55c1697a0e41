using System.Globalization;

namespace NativeBn.Generators
{
    /// <summary>
    /// The syntax of one SIMD width in emitted code. The operations mirror the engine's hand-written widths
    /// exactly (MultiplyAddEstimate, WidenLower/WidenUpper, Max), so element-wise kernels give bit-identical results.
    /// </summary>
    internal sealed class IsaSpec
    {
        private IsaSpec(string suffix, string vector, int lanes)
        {
            Suffix = suffix;
            Vector = vector;
            Lanes = lanes;
        }

        public static IsaSpec V512 { get; } = new("V512", "Vector512", 16);

        public static IsaSpec V256 { get; } = new("V256", "Vector256", 8);

        public static IsaSpec V128 { get; } = new("V128", "Vector128", 4);

        public static IsaSpec Scalar { get; } = new("Scalar", "", 1);

        /// <summary>Widest first, as the run-time dispatch tests them.</summary>
        public static IsaSpec[] Vectors { get; } = [V512, V256, V128];

        public string Suffix { get; }

        public string Vector { get; }

        /// <summary>Floats per vector (1 for scalar).</summary>
        public int Lanes { get; }

        public bool IsScalar => Lanes == 1;

        public string FloatType => IsScalar ? "float" : Vector + "<float>";

        public string DoubleType => IsScalar ? "double" : Vector + "<double>";

        public string Condition => Vector + ".IsHardwareAccelerated";

        public string DoubleZero => IsScalar ? "0d" : DoubleType + ".Zero";

        public string Load(string source, string offset) =>
            IsScalar ? $"Unsafe.Add(ref {source}, {offset})" : $"{Vector}.LoadUnsafe(ref {source}, (nuint)({offset}))";

        public string Store(string value, string destination, string offset) =>
            IsScalar ? $"Unsafe.Add(ref {destination}, {offset}) = {value};" : $"{value}.StoreUnsafe(ref {destination}, (nuint)({offset}));";

        public string Fma(string a, string b, string c) =>
            IsScalar ? $"float.MultiplyAddEstimate({a}, {b}, {c})" : $"{Vector}.MultiplyAddEstimate({a}, {b}, {c})";

        public string FmaDouble(string a, string b, string c) =>
            IsScalar ? $"double.MultiplyAddEstimate({a}, {b}, {c})" : $"{Vector}.MultiplyAddEstimate({a}, {b}, {c})";

        public string ReluOf(string value) =>
            IsScalar ? $"MathF.Max({value}, 0f)" : $"{Vector}.Max({value}, {FloatType}.Zero)";

        public string WidenLower(string value) => $"{Vector}.WidenLower({value})";

        public string WidenUpper(string value) => $"{Vector}.WidenUpper({value})";

        /// <summary>Start offsets of the vectors covering a row of <paramref name="width"/> values; the last one ends at the row's end.</summary>
        public int[] BlockOffsets(int width)
        {
            int full = width / Lanes;
            bool overlapping = width % Lanes != 0;
            var offsets = new int[full + (overlapping ? 1 : 0)];
            for (int k = 0; k < full; k++)
            {
                offsets[k] = k * Lanes;
            }

            if (overlapping)
            {
                offsets[full] = width - Lanes;
            }

            return offsets;
        }

        public static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);
    }
}
