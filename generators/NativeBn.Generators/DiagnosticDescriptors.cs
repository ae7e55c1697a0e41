using Microsoft.CodeAnalysis;

namespace NativeBn.Generators
{
    /// <summary>Every diagnostic the generator reports.</summary>
    internal static class DiagnosticDescriptors
    {
        private const string Category = "NativeBn.Generators";

        public static readonly DiagnosticDescriptor WidthOutOfRange = new(
            "NBN0001",
            "Kernel width out of range",
            "Width {0} is out of range: widths must be between 1 and {1}",
            Category,
            DiagnosticSeverity.Error,
            isEnabledByDefault: true);

        public static readonly DiagnosticDescriptor DuplicateWidth = new(
            "NBN0002",
            "Duplicate kernel width",
            "Width {0} is listed more than once",
            Category,
            DiagnosticSeverity.Error,
            isEnabledByDefault: true);

        public static readonly DiagnosticDescriptor NotStaticPartial = new(
            "NBN0003",
            "Kernel class must be static partial",
            "Class '{0}' must be declared 'static partial' to receive generated kernels",
            Category,
            DiagnosticSeverity.Error,
            isEnabledByDefault: true);

        public static readonly DiagnosticDescriptor GenericClass = new(
            "NBN0004",
            "Kernel class cannot be generic",
            "Class '{0}' is generic or nested in a generic type; kernels are generated only into non-generic classes",
            Category,
            DiagnosticSeverity.Error,
            isEnabledByDefault: true);

        public static readonly DiagnosticDescriptor ContainingTypeNotPartial = new(
            "NBN0005",
            "Containing type must be partial",
            "Type '{0}' contains kernel class '{1}' and must be declared 'partial'",
            Category,
            DiagnosticSeverity.Error,
            isEnabledByDefault: true);

        public static readonly DiagnosticDescriptor NoWidths = new(
            "NBN0006",
            "No kernel widths",
            "BatchNormKernels on '{0}' lists no widths",
            Category,
            DiagnosticSeverity.Warning,
            isEnabledByDefault: true);
    }
}
