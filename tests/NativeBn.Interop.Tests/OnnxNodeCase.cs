using Google.Protobuf;
using NativeBn.Data;
using NativeBn.Interop.Onnx;
using NativeBn.Interop.Onnx.Proto;
using NativeBn.Model;
using NativeBn.Network;

namespace NativeBn.Interop.Tests;

/// <summary>
/// One of ONNX's backend node test cases (tests/onnx/generate_node_tests.py writes them into the folder named by
/// <c>NATIVEBN_ONNX_NODE_TESTS</c>; .ci/run does): a folder with <c>model.onnx</c> and <c>test_data_set_0</c> holding
/// <c>input_k.pb</c> and <c>output_k.pb</c> as TensorProto, the outputs computed by ONNX's numpy reference.
/// </summary>
internal static class OnnxNodeCase
{
    public const string Variable = "NATIVEBN_ONNX_NODE_TESTS";

    /// <summary>Tolerances of the comparison: ONNX's runner uses numpy's assert_allclose with rtol 1e-3, atol 1e-7; every case passes with rtol 1e-4.</summary>
    public const double RelativeTolerance = 1e-4, AbsoluteTolerance = 1e-7;

    /// <summary>The operators the importer reads as nodes of their own (Pad only as the identity).</summary>
    public static readonly IReadOnlySet<string> SupportedOperators = new HashSet<string>(StringComparer.Ordinal)
    {
        "Conv", "MaxPool", "AveragePool", "GlobalAveragePool", "BatchNormalization", "Relu", "Clip", "Add", "Flatten",
        "Reshape", "Gemm", "MatMul", "Dropout", "Softmax", "Identity", "Pad",
    };

    /// <summary>The generated folder, or null when the variable is unset.</summary>
    public static string? Generated => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } folder ? folder : null;

    /// <summary>The node cases under <paramref name="folder"/> (its <c>node</c> subfolder) whose every node is a supported operator.</summary>
    public static IReadOnlyList<string> Supported(string folder)
    {
        string nodes = Path.Combine(folder, "node");
        Assert.True(Directory.Exists(nodes), $"{nodes} is missing: run /usr/bin/python3 tests/onnx/generate_node_tests.py {folder}");
        return [.. Directory.GetDirectories(nodes)
            .Where(d => Load(d).Graph.Node is { Count: > 0 } graph && graph.All(n => SupportedOperators.Contains(n.OpType)))
            .Select(Path.GetFileName)
            .OfType<string>()
            .Order(StringComparer.Ordinal)];
    }

    /// <summary>The folder of the case named <paramref name="name"/>.</summary>
    public static string CaseDirectory(string folder, string name) => Path.Combine(folder, "node", name);

    /// <summary>
    /// Imports the case's model with every graph input after the first turned into an initializer holding the case's
    /// data, then either returns the importer's refusal or runs the first input through an inference plan and asserts
    /// the output's shape and values (within <see cref="RelativeTolerance"/> and <see cref="AbsoluteTolerance"/>).
    /// Any exception other than the importer's <see cref="DataFormatException"/> escapes and fails the test.
    /// </summary>
    public static Outcome Run(string directory)
    {
        string name = Path.GetFileName(directory);
        ModelProto model = Load(directory);
        GraphProto graph = model.Graph;
        string data = Path.Combine(directory, "test_data_set_0");
        for (int k = 1; k < graph.Input.Count; k++)
        {
            TensorProto weight = Tensor(data, $"input_{k}.pb");
            weight.Name = graph.Input[k].Name;
            graph.Initializer.Add(weight);
        }

        ModelDescription description;
        try
        {
            description = OnnxImporter.Import(model.ToByteArray(), $"{name}/model.onnx");
        }
        catch (DataFormatException e)
        {
            return new Outcome(e.Message, 0);
        }

        Assert.True(graph.Output.Count == 1, $"{name}: the import of a graph with {graph.Output.Count} outputs succeeded; the importer keeps one");
        InferencePlan plan = InferencePlan.Build(description, InferenceRegime.Running);
        TensorProto input = Tensor(data, "input_0.pb");
        TensorProto output = Tensor(data, "output_0.pb");
        float[] x = OnnxTensors.Floats(input, name);
        float[] expected = OnnxTensors.Floats(output, name);
        int batch = checked((int)input.Dims[0]);
        Assert.Equal(batch * plan.InputWidth, x.Length);

        long[] shape = [.. description.ShapeOf(description.Output).Dimensions.Skip(1).Select(d => (long)d.Size)];
        Assert.True(output.Dims.Count > 0 && output.Dims[0] == batch && output.Dims.Skip(1).SequenceEqual(shape),
            $"{name}: ONNX gives an output of shape [{string.Join(", ", output.Dims)}], the imported model [{batch}, {string.Join(", ", shape)}]");
        var actual = new float[expected.Length];
        plan.PredictBatch(x, actual);

        double worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs((double)actual[i] - expected[i]);
            double allowed = AbsoluteTolerance + RelativeTolerance * Math.Abs(expected[i]);
            Assert.True(error <= allowed, $"{name} [{i}]: ONNX {expected[i]:R}, NativeBn {actual[i]:R} (error {error:G3}, allowed {allowed:G3})");
            worst = Math.Max(worst, error / allowed);
        }

        return new Outcome(null, worst);
    }

    /// <summary>True when <paramref name="message"/> names the operator and the node (its name, or its first output when unnamed) of one of the graph's nodes.</summary>
    public static bool NamesANode(string directory, string message) =>
        Load(directory).Graph.Node.Any(n => message.Contains($"{n.OpType} node", StringComparison.Ordinal)
            && message.Contains($"'{(n.Name.Length > 0 ? n.Name : n.Output[0])}'", StringComparison.Ordinal));

    /// <summary>The operators of the case's nodes.</summary>
    public static IEnumerable<string> Operators(string directory) => Load(directory).Graph.Node.Select(n => n.OpType);

    private static ModelProto Load(string directory) => ModelProto.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(directory, "model.onnx")));

    private static TensorProto Tensor(string folder, string file) => TensorProto.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(folder, file)));

    /// <summary>The importer's refusal (null when the case ran), and the largest error as a fraction of the allowed one.</summary>
    public sealed record Outcome(string? Refusal, double WorstErrorFraction);
}
