using System.Runtime.CompilerServices;

namespace NativeBn.Generators.Tests;

/// <summary>
/// Generated source compared with committed baselines in <c>Baselines/</c>. Set NATIVEBN_UPDATE_BASELINES=1 to rewrite
/// them after an intended change (then review the diff before committing).
/// </summary>
public class SnapshotTests
{
    public static TheoryData<string, string> Usages() => new()
    {
        {
            "NamespacedWidths4And17",
            """
            namespace App.Kernels;
            /// <summary>Kernels.</summary>
            [NativeBn.BatchNormKernels(4, 17)]
            public static partial class Small { }
            """
        },
        {
            "GlobalNamespaceWidth1",
            """
            [NativeBn.BatchNormKernels(1)]
            internal static partial class Scalar { }
            """
        },
        {
            "NestedWidth32",
            """
            namespace App;
            internal partial struct Outer
            {
                [NativeBn.BatchNormKernels(32)]
                internal static partial class Inner { }
            }
            """
        },
    };

    [Theory]
    [MemberData(nameof(Usages))]
    public void GeneratedSourceMatchesBaseline(string name, string source)
    {
        var (result, output, _) = GeneratorHarness.Run(GeneratorHarness.Compile(source));
        Assert.Empty(result.Diagnostics);
        Assert.Empty(GeneratorHarness.Problems(output));
        string generated = result.GeneratedSources.Single().SourceText.ToString();
        string path = Path.Combine(BaselineDirectory(), name + ".cs.txt");

        if (Environment.GetEnvironmentVariable("NATIVEBN_UPDATE_BASELINES") == "1")
        {
            File.WriteAllText(path, generated);
            return;
        }

        Assert.True(File.Exists(path), $"No baseline {path}; run with NATIVEBN_UPDATE_BASELINES=1 to create it.");
        string baseline = File.ReadAllText(path);
        if (baseline.Replace("\r\n", "\n") != generated.Replace("\r\n", "\n"))
        {
            Assert.Fail($"Generated source differs from {path} (- baseline, + generated); set NATIVEBN_UPDATE_BASELINES=1 to accept:\n{LineDiff.Format(baseline, generated)}");
        }
    }

    [Fact]
    public void LineDiffShowsChangedLinesWithContext()
    {
        string[] diff = LineDiff.Format("a\nb\nc\nd\ne\nf\ng", "a\nb\nc\nD\ne\nf\ng").Replace("\r\n", "\n").TrimEnd('\n').Split('\n');
        Assert.Equal(
            ["      2: b", "      3: c", "-     4: d", "+     4: D", "      5: e", "      6: f"],
            diff);
    }

    private static string BaselineDirectory([CallerFilePath] string path = "") =>
        Path.Combine(Path.GetDirectoryName(path)!, "Baselines");
}
