using System.Linq;

namespace NativeBn.Generators
{
    /// <summary>
    /// Emits an element-wise kernel for one width: the public method (argument checks, run-time width dispatch) and
    /// one body per SIMD width. Vector bodies are unrolled over the row with constant offsets; when the width is not
    /// a multiple of the vector, the last vector overlaps the previous one and is computed before any store, so the
    /// output may be the same buffer as an input. Parameters are hoisted into locals when they fit in registers.
    /// </summary>
    internal static class MapKernelEmitter
    {
        /// <summary>Rows processed together when parameters do not fit in registers, so each parameter load serves several rows.</summary>
        private const int TileRows = 4;

        /// <summary>Largest number of blocks per row that is tiled (beyond it the unrolled tile grows too large).</summary>
        private const int MaxTiledBlocks = 64;

        public static void Emit(SourceWriter w, MapKernel kernel, int width)
        {
            string n = IsaSpec.Number(width);
            string name = kernel.Name + n;
            string first = kernel.Inputs[0];
            w.Line($"/// <summary>{kernel.Summary} Channels-last data <c>[N, {n}]</c>, any N ≥ 1.</summary>");
            foreach (string input in kernel.Inputs)
            {
                w.Line($"/// <param name=\"{input}\">Values <c>[N, {n}]</c>; the length must be a positive multiple of {n}.</param>");
            }

            foreach (string parameter in kernel.Parameters)
            {
                w.Line($"/// <param name=\"{parameter}\">One value per channel ({n}).</param>");
            }

            w.Line($"/// <param name=\"{kernel.Output}\">Receives the result, same length as <paramref name=\"{first}\"/>; may be the same buffer as an input.</param>");
            w.Line(KernelClassEmitter.GeneratedCode);
            string signature = string.Join(", ",
                kernel.Inputs.Concat(kernel.Parameters).Select(a => "ReadOnlySpan<float> " + a)
                    .Concat(new[] { "Span<float> " + kernel.Output }));
            using (w.Block($"public static void {name}({signature})"))
            {
                w.Line($"nint rows = KernelSupport.Rows({n}, {first}.Length, nameof({first}));");
                foreach (string input in kernel.Inputs.Skip(1))
                {
                    w.Line($"KernelSupport.SameLength({first}.Length, {input}.Length, nameof({input}));");
                }

                foreach (string parameter in kernel.Parameters)
                {
                    w.Line($"KernelSupport.PerChannel({n}, {parameter}.Length, nameof({parameter}));");
                }

                w.Line($"KernelSupport.SameLength({first}.Length, {kernel.Output}.Length, nameof({kernel.Output}));");
                string arguments = string.Join(", ",
                    kernel.Inputs.Concat(kernel.Parameters).Concat(new[] { kernel.Output })
                        .Select(a => $"ref MemoryMarshal.GetReference({a})")) + ", rows";
                KernelClassEmitter.EmitDispatch(w, width, isa => $"{name}{isa.Suffix}({arguments});");
            }

            w.Line();
            foreach (IsaSpec isa in IsaSpec.Vectors.Where(isa => width >= isa.Lanes))
            {
                EmitVectorBody(w, kernel, width, isa);
            }

            EmitScalarBody(w, kernel, width);
        }

        private static string BodySignature(MapKernel kernel, string name) =>
            $"private static void {name}(" + string.Join(", ",
                kernel.Inputs.Select((_, i) => $"ref float in{i}")
                    .Concat(kernel.Parameters.Select((_, i) => $"ref float p{i}"))
                    .Concat(new[] { "ref float output", "nint rows" })) + ")";

        private static void EmitVectorBody(SourceWriter w, MapKernel kernel, int width, IsaSpec isa)
        {
            int[] offsets = isa.BlockOffsets(width);
            bool overlapping = width % isa.Lanes != 0;
            bool hoist = offsets.Length * kernel.Parameters.Length <= KernelClassEmitter.MaxHoistedVectors;
            w.Line(KernelClassEmitter.Inline);
            using (w.Block(BodySignature(kernel, kernel.Name + IsaSpec.Number(width) + isa.Suffix)))
            {
                if (hoist)
                {
                    for (int k = 0; k < offsets.Length; k++)
                    {
                        for (int p = 0; p < kernel.Parameters.Length; p++)
                        {
                            w.Line($"{isa.FloatType} p{p}_{k} = {isa.Load($"p{p}", IsaSpec.Number(offsets[k]))};");
                        }
                    }
                }

                bool tiled = !hoist && offsets.Length <= MaxTiledBlocks;
                if (tiled)
                {
                    w.Line("nint r = 0;");
                    using (w.Block($"for (; r + {IsaSpec.Number(TileRows)} <= rows; r += {IsaSpec.Number(TileRows)})"))
                    {
                        EmitRows(w, kernel, width, isa, offsets, overlapping, TileRows);
                    }

                    using (w.Block("for (; r < rows; r++)"))
                    {
                        EmitRows(w, kernel, width, isa, offsets, overlapping, 1);
                    }
                }
                else
                {
                    using (w.Block("for (nint r = 0; r < rows; r++)"))
                    {
                        EmitRows(w, kernel, width, isa, offsets, overlapping, 1, hoist);
                    }
                }
            }

            w.Line();
        }

        /// <summary>
        /// The statements for <paramref name="tile"/> consecutive rows starting at row <c>r</c>: overlapping last vectors
        /// first (so an in-place output is not read after it was written), then each block of channels with its
        /// parameters loaded once for all the tile's rows, then the last vectors' stores.
        /// </summary>
        private static void EmitRows(SourceWriter w, MapKernel kernel, int width, IsaSpec isa, int[] offsets, bool overlapping, int tile, bool hoisted = false)
        {
            string n = IsaSpec.Number(width);
            for (int t = 0; t < tile; t++)
            {
                w.Line($"nint o{t} = (r + {IsaSpec.Number(t)}) * {n};");
            }

            int last = offsets.Length - 1;
            if (overlapping)
            {
                for (int t = 0; t < tile; t++)
                {
                    w.Line($"{isa.FloatType} tail{t} = {Expression(kernel, isa, offsets[last], last, hoisted, $"o{t}")};");
                }
            }

            for (int k = 0; k < offsets.Length - (overlapping ? 1 : 0); k++)
            {
                string at = IsaSpec.Number(offsets[k]);
                if (tile == 1)
                {
                    w.Line(isa.Store(Expression(kernel, isa, offsets[k], k, hoisted, "o0"), "output", $"o0 + {at}"));
                    continue;
                }

                using (w.Scope())
                {
                    for (int p = 0; p < kernel.Parameters.Length; p++)
                    {
                        w.Line($"{isa.FloatType} q{p} = {isa.Load($"p{p}", at)};");
                    }

                    for (int t = 0; t < tile; t++)
                    {
                        string[] inputs = kernel.Inputs.Select((_, i) => isa.Load($"in{i}", $"o{t} + {at}")).ToArray();
                        string[] parameters = kernel.Parameters.Select((_, p) => $"q{p}").ToArray();
                        w.Line(isa.Store(kernel.Expression(isa, inputs, parameters), "output", $"o{t} + {at}"));
                    }
                }
            }

            if (overlapping)
            {
                for (int t = 0; t < tile; t++)
                {
                    w.Line(isa.Store($"tail{t}", "output", $"o{t} + {IsaSpec.Number(offsets[last])}"));
                }
            }
        }

        private static void EmitScalarBody(SourceWriter w, MapKernel kernel, int width)
        {
            IsaSpec isa = IsaSpec.Scalar;
            string lastChannel = IsaSpec.Number(width - 1);
            w.Line(KernelClassEmitter.Inline);
            using (w.Block(BodySignature(kernel, kernel.Name + IsaSpec.Number(width) + isa.Suffix)))
            {
                using (w.Block("for (nint r = 0; r < rows; r++)"))
                {
                    w.Line($"nint o = r * {IsaSpec.Number(width)};");
                    w.Line($"float tail = {ScalarExpression(kernel, lastChannel)};");
                    if (width > 1)
                    {
                        using (w.Block($"for (nint c = 0; c < {lastChannel}; c++)"))
                        {
                            w.Line(isa.Store(ScalarExpression(kernel, "c"), "output", "o + c"));
                        }
                    }

                    w.Line(isa.Store("tail", "output", $"o + {lastChannel}"));
                }
            }

            w.Line();
        }

        private static string Expression(MapKernel kernel, IsaSpec isa, int offset, int block, bool hoisted, string row)
        {
            string at = IsaSpec.Number(offset);
            string[] inputs = kernel.Inputs.Select((_, i) => isa.Load($"in{i}", $"{row} + {at}")).ToArray();
            string[] parameters = kernel.Parameters
                .Select((_, p) => hoisted ? $"p{p}_{IsaSpec.Number(block)}" : isa.Load($"p{p}", at)).ToArray();
            return kernel.Expression(isa, inputs, parameters);
        }

        private static string ScalarExpression(MapKernel kernel, string channel)
        {
            IsaSpec isa = IsaSpec.Scalar;
            string[] inputs = kernel.Inputs.Select((_, i) => isa.Load($"in{i}", $"o + {channel}")).ToArray();
            string[] parameters = kernel.Parameters.Select((_, p) => isa.Load($"p{p}", channel)).ToArray();
            return kernel.Expression(isa, inputs, parameters);
        }
    }
}
