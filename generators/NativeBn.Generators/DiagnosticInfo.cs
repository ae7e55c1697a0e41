using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace NativeBn.Generators
{
    /// <summary>A diagnostic with its location as plain values (no syntax trees), so models stay equatable.</summary>
    internal sealed record DiagnosticInfo(
        DiagnosticDescriptor Descriptor, string FilePath, TextSpan Span, LinePositionSpan LineSpan, EquatableArray<string> Arguments)
    {
        public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, Location location, params string[] arguments)
        {
            FileLinePositionSpan lines = location.GetLineSpan();
            return new DiagnosticInfo(descriptor, lines.Path, location.SourceSpan, lines.Span, new EquatableArray<string>(arguments));
        }

        public Diagnostic ToDiagnostic()
        {
            var arguments = new object[Arguments.Count];
            for (int i = 0; i < arguments.Length; i++)
            {
                arguments[i] = Arguments[i];
            }

            return Diagnostic.Create(Descriptor, Location.Create(FilePath, Span, LineSpan), arguments);
        }
    }
}
