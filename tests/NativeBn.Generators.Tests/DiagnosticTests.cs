using Microsoft.CodeAnalysis;

namespace NativeBn.Generators.Tests;

/// <summary>Each diagnostic is reported with its ID at the user's source.</summary>
public class DiagnosticTests
{
    private static Diagnostic Single(string source, string id)
    {
        var (result, _, _) = GeneratorHarness.Run(GeneratorHarness.Compile(source));
        Diagnostic diagnostic = Assert.Single(result.Diagnostics, d => d.Id == id);
        Assert.Equal("Input0.cs", diagnostic.Location.GetLineSpan().Path);
        return diagnostic;
    }

    private static string TextAt(string source, Diagnostic diagnostic) =>
        source.Substring(diagnostic.Location.SourceSpan.Start, diagnostic.Location.SourceSpan.Length);

    [Theory]
    [InlineData("0")]
    [InlineData("-4")]
    [InlineData("65537")]
    public void WidthOutOfRangePointsAtTheArgument(string width)
    {
        string source = $"[NativeBn.BatchNormKernels(8, {width})] static partial class K {{ }}";
        Diagnostic diagnostic = Single(source, "NBN0001");
        Assert.Equal(width, TextAt(source, diagnostic));
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Contains("65536", diagnostic.GetMessage());
    }

    [Fact]
    public void DuplicateWidthPointsAtTheRepeat()
    {
        string source = "[NativeBn.BatchNormKernels(8, 16, 8)] static partial class K { }";
        Diagnostic diagnostic = Single(source, "NBN0002");
        Assert.Equal(source.LastIndexOf('8'), diagnostic.Location.SourceSpan.Start);
        Assert.Contains("8", diagnostic.GetMessage());
    }

    [Theory]
    [InlineData("partial class K { }")]
    [InlineData("static class K { }")]
    public void ClassThatIsNotStaticPartialIsReported(string declaration)
    {
        string source = "[NativeBn.BatchNormKernels(8)] " + declaration;
        Diagnostic diagnostic = Single(source, "NBN0003");
        Assert.Equal("K", TextAt(source, diagnostic));
    }

    [Theory]
    [InlineData("[NativeBn.BatchNormKernels(8)] static partial class K<T> { }")]
    [InlineData("partial class Outer<T> { [NativeBn.BatchNormKernels(8)] static partial class K { } }")]
    public void GenericOrNestedInGenericClassIsReported(string source)
    {
        Diagnostic diagnostic = Single(source, "NBN0004");
        Assert.Equal("K", TextAt(source, diagnostic));
    }

    [Fact]
    public void ContainingTypeThatIsNotPartialIsReported()
    {
        string source = "class Outer { [NativeBn.BatchNormKernels(8)] static partial class K { } }";
        Diagnostic diagnostic = Single(source, "NBN0005");
        Assert.Equal("Outer", TextAt(source, diagnostic));
    }

    [Fact]
    public void EmptyWidthListIsAWarning()
    {
        string source = "[NativeBn.BatchNormKernels] static partial class K { }";
        Diagnostic diagnostic = Single(source, "NBN0006");
        Assert.Equal(DiagnosticSeverity.Warning, diagnostic.Severity);
    }

    [Fact]
    public void ValidUsageReportsNothingAndCompilesWithoutWarnings()
    {
        string source = """
            namespace App;
            /// <summary>Holds the kernels.</summary>
            public static partial class Outer
            {
                /// <summary>Kernels.</summary>
                [NativeBn.BatchNormKernels(1, 3, 17, 64)]
                public static partial class K { }
            }
            """;
        var (result, output, _) = GeneratorHarness.Run(GeneratorHarness.Compile(source));
        Assert.Empty(result.Diagnostics);
        Assert.Single(result.GeneratedSources);
        Assert.Empty(GeneratorHarness.Problems(output));
    }

    [Fact]
    public void InvalidWidthsAreSkippedAndTheRestIsGenerated()
    {
        string source = "[NativeBn.BatchNormKernels(8, 0, 8, 12)] static partial class K { }";
        var (result, output, _) = GeneratorHarness.Run(GeneratorHarness.Compile(source));
        Assert.Equal(["NBN0001", "NBN0002"], result.Diagnostics.Select(d => d.Id).ToArray());
        string generated = result.GeneratedSources.Single().SourceText.ToString();
        Assert.Contains("public static void Infer8(", generated);
        Assert.Contains("public static void Infer12(", generated);
        Assert.DoesNotContain("Infer0", generated);
        Assert.DoesNotContain(GeneratorHarness.Problems(output), p => !p.Contains("NBN"));
    }
}
