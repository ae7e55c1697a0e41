namespace NativeBn.Generators
{
    /// <summary>
    /// Everything the emitter needs about one <c>[BatchNormKernels]</c> class, with no Roslyn symbols, so the
    /// pipeline can compare it with the previous run's and skip emission when nothing changed.
    /// </summary>
    internal sealed record KernelClassSpec(
        string? Namespace,
        EquatableArray<ContainingTypeSpec> ContainingTypes,
        string ClassName,
        EquatableArray<int> Widths,
        EquatableArray<DiagnosticInfo> Diagnostics,
        bool CanEmit)
    {
        /// <summary>A hint name unique per class: namespace, containing types and class name.</summary>
        public string HintName
        {
            get
            {
                string prefix = Namespace is null ? string.Empty : Namespace + ".";
                foreach (ContainingTypeSpec type in ContainingTypes)
                {
                    prefix += type.Name + ".";
                }

                return prefix + ClassName + ".BatchNormKernels.g.cs";
            }
        }
    }
}
