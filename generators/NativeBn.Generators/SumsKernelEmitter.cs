using System.Linq;

namespace NativeBn.Generators
{
    /// <summary>
    /// Emits the per-channel reductions for one width. Each vector of channels is a constant-offset block whose
    /// double accumulators stay in registers while the rows stream by; values are widened to double before any
    /// arithmetic, in the same order as the engine's hand-written kernels.
    /// </summary>
    internal static class SumsKernelEmitter
    {
        /// <summary>Rows visited per block of channels before the next block (see the engine's SumsDriver.RowTile).</summary>
        private const int RowTile = 8;

        public static void EmitStatistics(SourceWriter w, int width)
        {
            string n = IsaSpec.Number(width);
            string name = "Statistics" + n;
            w.Line($"/// <summary>");
            w.Line($"/// Per-channel mean and <c>M2 = Σ(x - mean)²</c> of channels-last data <c>[N, {n}]</c> in one read: double sums of");
            w.Line("/// the values shifted by each channel's first value (no float <c>E[x²] - E[x]²</c>). The biased variance is <c>M2/N</c>.");
            w.Line($"/// </summary>");
            w.Line($"/// <param name=\"x\">Values <c>[N, {n}]</c>; the length must be a positive multiple of {n}.</param>");
            w.Line($"/// <param name=\"mean\">Receives the mean of each channel ({n} values).</param>");
            w.Line($"/// <param name=\"m2\">Receives the sum of squared deviations of each channel ({n} values).</param>");
            w.Line(KernelClassEmitter.GeneratedCode);
            using (w.Block($"public static void {name}(ReadOnlySpan<float> x, Span<double> mean, Span<double> m2)"))
            {
                w.Line($"nint rows = KernelSupport.Rows({n}, x.Length, nameof(x));");
                w.Line($"KernelSupport.PerChannel({n}, mean.Length, nameof(mean));");
                w.Line($"KernelSupport.PerChannel({n}, m2.Length, nameof(m2));");
                w.Line($"Span<double> sum = stackalloc double[{n}];");
                w.Line("KernelSupport.FirstRowAsShift(x, mean);");
                string arguments = "ref MemoryMarshal.GetReference(x), ref MemoryMarshal.GetReference(mean), ref MemoryMarshal.GetReference(sum), ref MemoryMarshal.GetReference(m2), rows";
                KernelClassEmitter.EmitDispatch(w, width, isa => $"{name}{isa.Suffix}({arguments});");
                w.Line("KernelSupport.FinishMoments(mean, sum, m2, rows);");
            }

            w.Line();
            EmitBodies(w, SumsKernel.ShiftedMoments, width);
        }

        public static void EmitGradientSums(SourceWriter w, int width)
        {
            SumsKernel kernel = SumsKernel.GradientSums;
            string n = IsaSpec.Number(width);
            string name = kernel.Name + n;
            w.Line($"/// <summary>{kernel.Summary} Channels-last data <c>[N, {n}]</c>.</summary>");
            w.Line($"/// <param name=\"outputGradient\">dy, <c>[N, {n}]</c>; the length must be a positive multiple of {n}.</param>");
            w.Line("/// <param name=\"x\">The forward input, same length.</param>");
            w.Line($"/// <param name=\"mean\">The mean the forward pass normalized with ({n} values).</param>");
            w.Line($"/// <param name=\"sumOutputGradient\">Receives Σdy per channel ({n} values).</param>");
            w.Line($"/// <param name=\"sumCenteredProduct\">Receives Σdy·(x - mean) per channel ({n} values).</param>");
            w.Line(KernelClassEmitter.GeneratedCode);
            using (w.Block($"public static void {name}(ReadOnlySpan<float> outputGradient, ReadOnlySpan<float> x, ReadOnlySpan<double> mean, Span<double> sumOutputGradient, Span<double> sumCenteredProduct)"))
            {
                w.Line($"nint rows = KernelSupport.Rows({n}, outputGradient.Length, nameof(outputGradient));");
                w.Line("KernelSupport.SameLength(outputGradient.Length, x.Length, nameof(x));");
                w.Line($"KernelSupport.PerChannel({n}, mean.Length, nameof(mean));");
                w.Line($"KernelSupport.PerChannel({n}, sumOutputGradient.Length, nameof(sumOutputGradient));");
                w.Line($"KernelSupport.PerChannel({n}, sumCenteredProduct.Length, nameof(sumCenteredProduct));");
                string arguments = "ref MemoryMarshal.GetReference(outputGradient), ref MemoryMarshal.GetReference(x), ref MemoryMarshal.GetReference(mean), ref MemoryMarshal.GetReference(sumOutputGradient), ref MemoryMarshal.GetReference(sumCenteredProduct), rows";
                KernelClassEmitter.EmitDispatch(w, width, isa => $"{name}{isa.Suffix}({arguments});");
            }

            w.Line();
            EmitBodies(w, kernel, width);
        }

        private static void EmitBodies(SourceWriter w, SumsKernel kernel, int width)
        {
            string n = IsaSpec.Number(width);
            bool twoInputs = kernel.Inputs.Length == 2;
            string signature = "(ref float u, " + (twoInputs ? "ref float v, " : "") + "ref double p, ref double a, ref double b, nint rows)";
            foreach (IsaSpec isa in IsaSpec.Vectors.Where(isa => width >= isa.Lanes))
            {
                string half = IsaSpec.Number(isa.Lanes / 2);
                w.Line(KernelClassEmitter.Inline);
                using (w.Block($"private static void {kernel.Name}{n}{isa.Suffix}{signature}"))
                {
                    int[] offsets = isa.BlockOffsets(width);
                    bool overlapping = width % isa.Lanes != 0;
                    int fullBlocks = offsets.Length - (overlapping ? 1 : 0);
                    string zero = isa.DoubleZero;
                    if (overlapping)
                    {
                        string at = IsaSpec.Number(offsets[offsets.Length - 1]);
                        w.Line($"{isa.DoubleType} tpLo = {isa.Vector}.LoadUnsafe(ref p, (nuint)({at})), tpHi = {isa.Vector}.LoadUnsafe(ref p, (nuint)({at} + {half}));");
                        w.Line($"{isa.DoubleType} taLo = {zero}, taHi = {zero}, tbLo = {zero}, tbHi = {zero};");
                    }

                    using (w.Block($"for (nint first = 0; first < rows; first += {IsaSpec.Number(RowTile)})"))
                    {
                        w.Line($"nint end = Math.Min(rows, first + {IsaSpec.Number(RowTile)});");
                        for (int k = 0; k < fullBlocks; k++)
                        {
                            string at = IsaSpec.Number(offsets[k]);
                            using (w.Block($"// channels {at}..{IsaSpec.Number(offsets[k] + isa.Lanes - 1)}"))
                            {
                                w.Line($"{isa.DoubleType} pLo = {isa.Vector}.LoadUnsafe(ref p, (nuint)({at})), pHi = {isa.Vector}.LoadUnsafe(ref p, (nuint)({at} + {half}));");
                                w.Line($"{isa.DoubleType} aLo = {zero}, aHi = {zero}, bLo = {zero}, bHi = {zero};");
                                using (w.Block("if (first > 0)"))
                                {
                                    w.Line($"aLo = {isa.Vector}.LoadUnsafe(ref a, (nuint)({at})); aHi = {isa.Vector}.LoadUnsafe(ref a, (nuint)({at} + {half}));");
                                    w.Line($"bLo = {isa.Vector}.LoadUnsafe(ref b, (nuint)({at})); bHi = {isa.Vector}.LoadUnsafe(ref b, (nuint)({at} + {half}));");
                                }

                                EmitRowLoop(w, kernel, isa, n, at, twoInputs, "");
                                w.Line($"aLo.StoreUnsafe(ref a, (nuint)({at})); aHi.StoreUnsafe(ref a, (nuint)({at} + {half}));");
                                w.Line($"bLo.StoreUnsafe(ref b, (nuint)({at})); bHi.StoreUnsafe(ref b, (nuint)({at} + {half}));");
                            }
                        }

                        if (overlapping)
                        {
                            string at = IsaSpec.Number(offsets[offsets.Length - 1]);
                            using (w.Block($"// channels {at}..{IsaSpec.Number(offsets[offsets.Length - 1] + isa.Lanes - 1)}, overlapping the previous block: sums stay in registers"))
                            {
                                EmitRowLoop(w, kernel, isa, n, at, twoInputs, "t");
                            }
                        }
                    }

                    if (overlapping)
                    {
                        string at = IsaSpec.Number(offsets[offsets.Length - 1]);
                        w.Line($"taLo.StoreUnsafe(ref a, (nuint)({at})); taHi.StoreUnsafe(ref a, (nuint)({at} + {half}));");
                        w.Line($"tbLo.StoreUnsafe(ref b, (nuint)({at})); tbHi.StoreUnsafe(ref b, (nuint)({at} + {half}));");
                    }
                }

                w.Line();
            }

            IsaSpec scalar = IsaSpec.Scalar;
            w.Line(KernelClassEmitter.Inline);
            using (w.Block($"private static void {kernel.Name}{n}{scalar.Suffix}{signature}"))
            {
                using (w.Block($"for (nint c = 0; c < {n}; c++)"))
                {
                    w.Line("double p_ = Unsafe.Add(ref p, c);");
                    w.Line("double a_ = 0d, b_ = 0d;");
                    using (w.Block("for (nint r = 0; r < rows; r++)"))
                    {
                        w.Line($"double u_ = Unsafe.Add(ref u, r * {n} + c);");
                        if (twoInputs)
                        {
                            w.Line($"double v_ = Unsafe.Add(ref v, r * {n} + c);");
                        }

                        w.Line(kernel.Accumulate(scalar, "_", ""));
                    }

                    w.Line("Unsafe.Add(ref a, c) = a_;");
                    w.Line("Unsafe.Add(ref b, c) = b_;");
                }
            }

            w.Line();
        }

        /// <summary>
        /// The loop over the tile's rows for one block; <paramref name="prefix"/> "t" selects the overlapping block's
        /// accumulators (taLo, ...), "" the block's own.
        /// </summary>
        private static void EmitRowLoop(SourceWriter w, SumsKernel kernel, IsaSpec isa, string n, string at, bool twoInputs, string prefix)
        {
            using (w.Block("for (nint r = first; r < end; r++)"))
            {
                w.Line($"nint at = r * {n} + {at};");
                w.Line($"{isa.FloatType} uf = {isa.Load("u", "at")};");
                w.Line($"{isa.DoubleType} uLo = {isa.WidenLower("uf")}, uHi = {isa.WidenUpper("uf")};");
                if (twoInputs)
                {
                    w.Line($"{isa.FloatType} vf = {isa.Load("v", "at")};");
                    w.Line($"{isa.DoubleType} vLo = {isa.WidenLower("vf")}, vHi = {isa.WidenUpper("vf")};");
                }

                w.Line(kernel.Accumulate(isa, "Lo", prefix));
                w.Line(kernel.Accumulate(isa, "Hi", prefix));
            }
        }
    }
}
