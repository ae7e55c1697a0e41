using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace NativeBn.Generators.Tests;

/// <summary>An edit that does not touch the attributed class leaves the pipeline's models cached.</summary>
public class IncrementalityTests
{
    private const string Kernels = "namespace App; [NativeBn.BatchNormKernels(8, 17)] public static partial class K { }";

    [Fact]
    public void UnrelatedEditLeavesModelsCachedOrUnchanged()
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(Kernels, "namespace App; public class Other { public int A; }");
        var (first, _, driver) = GeneratorHarness.Run(compilation);
        Assert.Single(first.GeneratedSources);

        SyntaxTree other = compilation.SyntaxTrees.Last();
        CSharpCompilation edited = compilation.ReplaceSyntaxTree(other,
            CSharpSyntaxTree.ParseText("namespace App; public class Other { public int A; public int B => A * 2; }", GeneratorHarness.ParseOptions, path: other.FilePath));
        var (second, _, _) = GeneratorHarness.Run(edited, driver);

        var steps = second.TrackedSteps[BatchNormKernelsGenerator.ModelStep];
        Assert.NotEmpty(steps);
        Assert.All(steps.SelectMany(s => s.Outputs), output =>
            Assert.True(output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"model step was {output.Reason}"));
        Assert.All(second.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs), output =>
            Assert.True(output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"output step was {output.Reason}"));
    }

    [Fact]
    public void ChangingTheWidthsProducesANewModel()
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(Kernels);
        var (_, _, driver) = GeneratorHarness.Run(compilation);
        SyntaxTree tree = compilation.SyntaxTrees.Single();
        CSharpCompilation edited = compilation.ReplaceSyntaxTree(tree,
            CSharpSyntaxTree.ParseText(Kernels.Replace("8, 17", "8, 18"), GeneratorHarness.ParseOptions, path: tree.FilePath));

        var (second, _, _) = GeneratorHarness.Run(edited, driver);

        Assert.Contains(second.TrackedSteps[BatchNormKernelsGenerator.ModelStep].SelectMany(s => s.Outputs),
            output => output.Reason == IncrementalStepRunReason.Modified);
        Assert.Contains("Infer18", second.GeneratedSources.Single().SourceText.ToString());
    }
}
