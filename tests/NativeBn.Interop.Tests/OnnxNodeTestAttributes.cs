namespace NativeBn.Interop.Tests;

/// <summary>A theory over ONNX's node test cases: skipped only where NATIVEBN_ONNX_NODE_TESTS is unset (CI sets it, and the test fails if the cases are missing).</summary>
public sealed class OnnxNodeTheoryAttribute : TheoryAttribute
{
    public OnnxNodeTheoryAttribute()
    {
        if (OnnxNodeCase.Generated is null)
        {
            Skip = OnnxNodeTestSkip.Reason;
        }
    }
}

/// <summary>A test of all of ONNX's node test cases together, skipped like <see cref="OnnxNodeTheoryAttribute"/>.</summary>
public sealed class OnnxNodeFactAttribute : FactAttribute
{
    public OnnxNodeFactAttribute()
    {
        if (OnnxNodeCase.Generated is null)
        {
            Skip = OnnxNodeTestSkip.Reason;
        }
    }
}

internal static class OnnxNodeTestSkip
{
    public const string Reason =
        $"{OnnxNodeCase.Variable} is unset: generate ONNX's node test cases with /usr/bin/python3 tests/onnx/generate_node_tests.py DIR and set it to DIR";
}
