using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace NativeBn.Generators
{
    /// <summary>Turns an attributed class into a <see cref="KernelClassSpec"/>, collecting diagnostics on the way.</summary>
    internal static class KernelClassParser
    {
        /// <summary>Largest width kernels are generated for: one row then fills a whole 65,536-value chunk of the engine.</summary>
        public const int MaxWidth = 65536;

        public static KernelClassSpec Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
        {
            var symbol = (INamedTypeSymbol)context.TargetSymbol;
            var syntax = (ClassDeclarationSyntax)context.TargetNode;
            var diagnostics = new List<DiagnosticInfo>();
            bool canEmit = true;

            if (!symbol.IsStatic || !syntax.Modifiers.Any(SyntaxKind.PartialKeyword))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NotStaticPartial, syntax.Identifier.GetLocation(), symbol.Name));
                canEmit = false;
            }

            var containing = new List<ContainingTypeSpec>();
            bool generic = symbol.IsGenericType;
            for (INamedTypeSymbol? outer = symbol.ContainingType; outer is not null; outer = outer.ContainingType)
            {
                generic |= outer.IsGenericType;
                var declaration = outer.DeclaringSyntaxReferences
                    .Select(r => r.GetSyntax(cancellationToken))
                    .OfType<TypeDeclarationSyntax>()
                    .FirstOrDefault(d => d.SyntaxTree == syntax.SyntaxTree && d.Span.Contains(syntax.Span));
                if (declaration is null || !declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
                {
                    Location location = declaration?.Identifier.GetLocation() ?? syntax.Identifier.GetLocation();
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ContainingTypeNotPartial, location, outer.Name, symbol.Name));
                    canEmit = false;
                }

                containing.Insert(0, new ContainingTypeSpec(Keyword(declaration), outer.Name));
            }

            if (generic)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.GenericClass, syntax.Identifier.GetLocation(), symbol.Name));
                canEmit = false;
            }

            List<int> widths = ParseWidths(context.Attributes[0], syntax, symbol.Name, diagnostics, cancellationToken);
            string? ns = symbol.ContainingNamespace.IsGlobalNamespace ? null : symbol.ContainingNamespace.ToDisplayString();
            return new KernelClassSpec(
                ns,
                new EquatableArray<ContainingTypeSpec>(containing),
                symbol.Name,
                new EquatableArray<int>(widths),
                new EquatableArray<DiagnosticInfo>(diagnostics),
                canEmit);
        }

        private static List<int> ParseWidths(
            AttributeData attribute, ClassDeclarationSyntax syntax, string className, List<DiagnosticInfo> diagnostics,
            CancellationToken cancellationToken)
        {
            var widths = new List<int>();
            var attributeSyntax = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax;
            Location attributeLocation = attributeSyntax?.GetLocation() ?? syntax.Identifier.GetLocation();
            TypedConstant argument = attribute.ConstructorArguments.FirstOrDefault();
            var values = argument.Kind == TypedConstantKind.Array && !argument.IsNull
                ? argument.Values.Select(v => v.Value).ToList()
                : new List<object?>();
            var arguments = attributeSyntax?.ArgumentList?.Arguments;
            bool oneArgumentPerWidth = arguments is not null && arguments.Value.Count == values.Count;
            for (int i = 0; i < values.Count; i++)
            {
                Location location = oneArgumentPerWidth ? arguments!.Value[i].GetLocation() : attributeLocation;
                if (values[i] is not int width || width <= 0 || width > MaxWidth)
                {
                    string shown = values[i]?.ToString() ?? "null";
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.WidthOutOfRange, location, shown, MaxWidth.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                }
                else if (widths.Contains(width))
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DuplicateWidth, location, width.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                }
                else
                {
                    widths.Add(width);
                }
            }

            if (values.Count == 0)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NoWidths, attributeLocation, className));
            }

            return widths;
        }

        private static string Keyword(TypeDeclarationSyntax? declaration) => declaration switch
        {
            RecordDeclarationSyntax record when record.ClassOrStructKeyword.IsKind(SyntaxKind.StructKeyword) => "record struct",
            RecordDeclarationSyntax => "record",
            StructDeclarationSyntax => "struct",
            InterfaceDeclarationSyntax => "interface",
            _ => "class",
        };
    }
}
