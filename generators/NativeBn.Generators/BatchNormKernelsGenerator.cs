using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace NativeBn.Generators
{
    /// <summary>
    /// Emits batch-normalization kernels with constant widths for every class marked
    /// <c>[NativeBn.BatchNormKernels(widths)]</c>: inference (with and without ReLU), the training-forward
    /// statistics and normalize step, and the backward reductions and input gradient, plus a width-to-kernels table.
    /// Each kernel is one line that runs the library's shared kernels with the width as a type the JIT folds to a
    /// constant; the arithmetic lives only in the library.
    /// </summary>
    [Generator(LanguageNames.CSharp)]
    public sealed class BatchNormKernelsGenerator : IIncrementalGenerator
    {
        /// <summary>Metadata name of the attribute the generator looks for.</summary>
        public const string AttributeName = "NativeBn.BatchNormKernelsAttribute";

        /// <summary>Tracking name of the step that turns attributed classes into models.</summary>
        public const string ModelStep = "KernelClassSpecs";

        /// <inheritdoc />
        public void Initialize(IncrementalGeneratorInitializationContext context)
        {
            IncrementalValuesProvider<KernelClassSpec> specs = context.SyntaxProvider
                .ForAttributeWithMetadataName(
                    AttributeName,
                    static (node, _) => node is ClassDeclarationSyntax,
                    KernelClassParser.Parse)
                .WithTrackingName(ModelStep);

            context.RegisterSourceOutput(specs, static (output, spec) =>
            {
                foreach (DiagnosticInfo diagnostic in spec.Diagnostics)
                {
                    output.ReportDiagnostic(diagnostic.ToDiagnostic());
                }

                if (spec.CanEmit && spec.Widths.Count > 0)
                {
                    output.AddSource(spec.HintName, KernelClassEmitter.Emit(spec));
                }
            });
        }
    }
}
