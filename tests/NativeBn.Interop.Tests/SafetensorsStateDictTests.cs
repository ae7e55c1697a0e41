using System.Globalization;
using System.Text.Json;
using NativeBn.Cli;
using NativeBn.Data;
using NativeBn.Interop.Onnx;
using NativeBn.Interop.Safetensors;
using NativeBn.Model;
using NativeBn.Model.Nodes;
using NativeBn.Network;
using NativeBn.Normalization;
using NativeBn.Serialization;

namespace NativeBn.Interop.Tests;

/// <summary>
/// A PyTorch CNN's <c>state_dict</c> written as safetensors by tests/pytorch/export_safetensors.py (a copy of the small
/// CNN with another seed, trained for 7 SGD steps) applied to the architecture PyTorch exported to ONNX for the
/// committed fixtures gives PyTorch's eval-mode outputs; NativeBn writes the same tensors back; bad files are refused
/// with the tensor named.
/// </summary>
public class SafetensorsStateDictTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("nativebn-statedict").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static string Fixture(string file) => Path.Combine(TorchFixtures.Committed, file);

    private static string Weights => Fixture("small-cnn-trained.safetensors");

    private static ModelDescription Architecture(int opset = 13, string kind = "bn") => OnnxImporter.Load(Fixture($"small-cnn-opset{opset}-{kind}.onnx"));

    /// <summary>PyTorch's input batch and its eval-mode output for a trained copy, and the architecture it was checked with.</summary>
    private static (float[] Input, float[] Output, string Architecture) Trained(string folder, string name)
    {
        using JsonDocument manifest = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(folder, name + ".json")));
        int Count(string shape) => manifest.RootElement.GetProperty(shape).EnumerateArray().Aggregate(1, (a, d) => a * d.GetInt32());
        return (Floats(Path.Combine(folder, name + ".input.bin"), Count("input_shape")), Floats(Path.Combine(folder, name + ".output.bin"), Count("output_shape")),
            Path.Combine(folder, manifest.RootElement.GetProperty("architecture").GetString()!));
    }

    private static (float[] Input, float[] Output) Trained()
    {
        (float[] input, float[] output, string architecture) = Trained(TorchFixtures.Committed, "small-cnn-trained");
        Assert.Equal(Fixture("small-cnn-opset13-bn.onnx"), architecture);
        return (input, output);
    }

    private static float[] Floats(string path, int count)
    {
        byte[] bytes = File.ReadAllBytes(path);
        Assert.Equal(count * 4, bytes.Length);
        var values = new float[count];
        Buffer.BlockCopy(bytes, 0, values, 0, bytes.Length);
        return values;
    }

    private static float[] Predict(ModelDescription model, float[] input, InferenceRegime regime = InferenceRegime.Running)
    {
        InferencePlan plan = InferencePlan.Build(model, regime);
        var output = new float[input.Length / plan.InputWidth * plan.OutputWidth];
        plan.PredictBatch(input, output);
        return output;
    }

    /// <summary>Within 1e-4 of the largest magnitude of PyTorch's output.</summary>
    private static void AssertClose(float[] expected, float[] actual, string what)
    {
        float scale = expected.Max(Math.Abs);
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-4 * scale,
                $"{what}[{i}]: PyTorch {expected[i]:R}, got {actual[i]:R} (tolerance 1e-4 of {scale:G4})");
        }
    }

    [Theory]
    [InlineData(9)]
    [InlineData(11)]
    [InlineData(13)]
    [InlineData(17)]
    public void AStateDictOnTheExportedArchitecturePredictsAsPyTorchDoes(int opset)
    {
        (float[] input, float[] expected) = Trained();
        ModelDescription architecture = Architecture(opset);
        Assert.Contains(architecture.Nodes, n => n is Conv2dNode { Name: "block.conv1" });

        ModelDescription model = SafetensorsStateDict.Load(architecture, Weights);

        AssertClose(expected, Predict(model, input), $"opset {opset} running");
        AssertClose(expected, Predict(model, input, InferenceRegime.Folded), $"opset {opset} folded");
        float[] before = Predict(architecture, input);
        Assert.Contains(Enumerable.Range(0, expected.Length), i => Math.Abs(before[i] - expected[i]) > 1e-2 * expected.Max(Math.Abs));
        BatchNormNode stem = model.BatchNorms.First();
        Assert.Equal("stem.1", stem.Name);
        Assert.Equal(7, stem.BatchesTracked);
        Assert.Equal(RunningVarianceConvention.Unbiased, stem.Options.Conventions.RunningVariance);
        Assert.Equal(1e-5, stem.Options.Conventions.Epsilon, 1e-12);
        Assert.Equal(0.1, stem.Options.Conventions.MomentumIn(MomentumConvention.UpdateRate), 1e-6);
    }

    [TorchvisionFact]
    public void TorchvisionResNet18WeightsOnItsExportedArchitecturePredictAsPyTorchDoes()
    {
        string folder = TorchFixtures.Generated!;
        (float[] input, float[] expected, string architecture) = Trained(folder, "resnet18-trained");
        string weights = Path.Combine(folder, "resnet18-trained.safetensors");

        ModelDescription model = SafetensorsStateDict.Load(OnnxImporter.Load(architecture), weights);

        Assert.Contains(model.Nodes, n => n is Conv2dNode { Name: "layer1.0.conv1" });
        Assert.Contains(model.Nodes, n => n is BatchNormNode { Name: "layer1.0.bn1", BatchesTracked: 7 });
        AssertClose(expected, Predict(model, input), "ResNet-18 running");
        AssertClose(expected, Predict(model, input, InferenceRegime.Folded), "ResNet-18 folded");
        string folded = Assert.Throws<DataFormatException>(() =>
            SafetensorsStateDict.Load(OnnxImporter.Load(Path.Combine(folder, "resnet18-opset13-folded.onnx")), weights)).Message;
        Assert.Contains("layer1.0.bn1", folded);
        Assert.Contains("and ", folded);
    }

    [Fact]
    public void WrittenWeightsAreTheTensorsPyTorchWrote()
    {
        ModelDescription model = SafetensorsStateDict.Load(Architecture(), Weights);
        var (ours, _) = SafetensorsFile.Read(SafetensorsStateDict.Export(model), "ours");
        var (theirs, _) = SafetensorsFile.ReadFile(Weights);

        Assert.Equal(theirs.Keys.Order(StringComparer.Ordinal), ours.Keys.Order(StringComparer.Ordinal));
        foreach ((string name, SafetensorsTensor tensor) in theirs)
        {
            Assert.Equal(tensor.DType, ours[name].DType);
            Assert.Equal(tensor.Shape, ours[name].Shape);
            Assert.True(tensor.Data.AsSpan().SequenceEqual(ours[name].Data), $"{name} differs from PyTorch's bytes");
        }

        Assert.Equal(SafetensorsStateDict.Export(model), SafetensorsModels.Export(model));
    }

    [Fact]
    public void ACnnRoundTripsBitwise()
    {
        ModelDescription model = SafetensorsStateDict.Load(Architecture(), Weights);
        byte[] file = SafetensorsStateDict.Export(model);

        ModelDescription copy = SafetensorsStateDict.Apply(Architecture(11), file, "copy.safetensors");

        Assert.Equal(file, SafetensorsStateDict.Export(copy));
        foreach ((ModelNode a, ModelNode b) in model.Nodes.Where(n => n is Conv2dNode or DenseNode or BatchNormNode)
            .Zip(copy.Nodes.Where(n => n is Conv2dNode or DenseNode or BatchNormNode)))
        {
            Assert.Equal(a.Name, b.Name);
            switch (a, b)
            {
                case (Conv2dNode x, Conv2dNode y):
                    Assert.Equal(x.Weight.Select(BitConverter.SingleToInt32Bits), y.Weight.Select(BitConverter.SingleToInt32Bits));
                    Assert.Equal(x.Bias.Select(BitConverter.SingleToInt32Bits), y.Bias.Select(BitConverter.SingleToInt32Bits));
                    break;
                case (BatchNormNode x, BatchNormNode y):
                    Assert.Equal(x.Gamma.Select(BitConverter.SingleToInt32Bits), y.Gamma.Select(BitConverter.SingleToInt32Bits));
                    Assert.Equal(x.RunningVariance.Select(BitConverter.DoubleToInt64Bits), y.RunningVariance.Select(BitConverter.DoubleToInt64Bits));
                    Assert.Equal(x.Options.Conventions.MomentumIn(MomentumConvention.UpdateRate), y.Options.Conventions.MomentumIn(MomentumConvention.UpdateRate));
                    Assert.Equal(x.Options.Conventions.Epsilon, y.Options.Conventions.Epsilon);
                    Assert.Equal(x.Options.Conventions.RunningVariance, y.Options.Conventions.RunningVariance);
                    Assert.Equal(x.BatchesTracked, y.BatchesTracked);
                    break;
                case (DenseNode x, DenseNode y):
                    Assert.Equal(x.Weight.Select(BitConverter.SingleToInt32Bits), y.Weight.Select(BitConverter.SingleToInt32Bits));
                    break;
                default:
                    Assert.Fail($"{a} became {b}");
                    break;
            }
        }
    }

    /// <summary>The fixture's tensors with one change, written as a new file.</summary>
    private static byte[] Edited(Action<Dictionary<string, SafetensorsTensor>> edit)
    {
        var (tensors, metadata) = SafetensorsFile.ReadFile(Weights);
        var copy = new Dictionary<string, SafetensorsTensor>(tensors);
        edit(copy);
        return SafetensorsFile.Write(copy, metadata);
    }

    private static string Refusal(byte[] file, ModelDescription? architecture = null) =>
        Assert.Throws<DataFormatException>(() => SafetensorsStateDict.Apply(architecture ?? Architecture(), file, "w.safetensors")).Message;

    [Fact]
    public void AMissingTensorIsNamedWithItsShape()
    {
        string message = Refusal(Edited(t => t.Remove("block.conv2.weight")));
        Assert.StartsWith("w.safetensors", message);
        Assert.Contains("missing (the architecture needs them): block.conv2.weight [8, 8, 3, 3]", message);
    }

    [Fact]
    public void AnExtraTensorIsNamed()
    {
        string message = Refusal(Edited(t => t["head.weight"] = SafetensorsTensor.Float32(new float[6], 2, 3)));
        Assert.Contains("extra (no node of that name takes them): head.weight [2, 3]", message);
        Assert.DoesNotContain("missing", message);
    }

    [Fact]
    public void AWrongShapeNamesTheTensorAndBothShapes()
    {
        string message = Refusal(Edited(t => t["stem.0.weight"] = SafetensorsTensor.Float32(new float[216], 8, 3, 9)));
        Assert.Contains("tensor 'stem.0.weight' has shape [8, 3, 9]; expected [8, 3, 3, 3]", message);

        message = Refusal(Edited(t => t["classifier.1.weight"] = SafetensorsTensor.Float32(new float[160], 16, 10)));
        Assert.Contains("tensor 'classifier.1.weight' has shape [16, 10]; expected [10, 16]", message);
    }

    [Fact]
    public void AWrongDtypeNamesTheTensor()
    {
        string message = Refusal(Edited(t => t["block.bn1.weight"] = new SafetensorsTensor("F16", [8], new byte[16])));
        Assert.Contains("tensor 'block.bn1.weight' has dtype F16; floating-point tensors must be F32 or F64", message);

        message = Refusal(Edited(t => t["stem.1.num_batches_tracked"] = SafetensorsTensor.Float32(new float[1])));
        Assert.Contains("tensor 'stem.1.num_batches_tracked' must be one I64 value; it has dtype F32", message);
    }

    [Fact]
    public void AnArchitectureWithBatchNormFoldedAwayIsRefusedWithTheLayersNamed()
    {
        ModelDescription folded = Architecture(13, "folded");
        Assert.Empty(folded.BatchNorms);

        string message = Refusal(File.ReadAllBytes(Weights), folded);

        Assert.Contains("BatchNorm layers the architecture lacks (stem.1, block.bn1, block.bn2, depthwise.1, depthwise.4)", message);
        Assert.Contains("training=torch.onnx.TrainingMode.PRESERVE", message);
        Assert.Contains("stem.0.weight [8, 3, 3, 3]", message);
    }

    [Fact]
    public void KerasNamesAreRefusedForConvolutionalModels()
    {
        ModelDescription model = SafetensorsStateDict.Load(Architecture(), Weights);
        var error = Assert.Throws<ArgumentException>(() => SafetensorsModels.Export(model, SafetensorsNaming.Keras));
        Assert.Contains("Keras convolution kernels", error.Message);

        var (tensors, _) = SafetensorsFile.ReadFile(Weights);
        byte[] keras = SafetensorsFile.Write(tensors, new Dictionary<string, string> { ["nativebn.naming"] = "keras" });
        Assert.Contains("Keras names", Refusal(keras));
    }

    [Fact]
    public void AStateDictReadWithoutItsArchitectureAsksForIt()
    {
        byte[] ours = SafetensorsStateDict.Export(SafetensorsStateDict.Load(Architecture(), Weights));
        Assert.Contains("read it with its architecture", Assert.Throws<DataFormatException>(() => SafetensorsModels.Import(ours, "ours")).Message);
        Assert.Contains("needs its architecture", Assert.Throws<DataFormatException>(() => SafetensorsModels.Load(Weights)).Message);
    }

    private static (int Code, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter(CultureInfo.InvariantCulture);
        var error = new StringWriter(CultureInfo.InvariantCulture);
        int code = NativeBn.Cli.Cli.Run(args, new CliContext(output, error, new StringReader(""), ShowProgress: false));
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public void TheCliImportsAndExportsAStateDictWithItsArchitecture()
    {
        (float[] input, float[] expected) = Trained();
        string native = Path.Combine(_folder, "cnn.nbm"), written = Path.Combine(_folder, "cnn.safetensors");

        var import = Run("import", "--input", Weights, "--architecture", Fixture("small-cnn-opset13-bn.onnx"), "--output", native);
        Assert.True(import.Code == 0, import.Error);
        AssertClose(expected, Predict(ModelFile.Load(native), input), "nativebn import");

        var export = Run("export", "--model", native, "--output", written);
        Assert.True(export.Code == 0, export.Error);
        var (tensors, _) = SafetensorsFile.ReadFile(written);
        Assert.Equal(SafetensorsFile.ReadFile(Weights).Tensors.Keys.Order(StringComparer.Ordinal), tensors.Keys.Order(StringComparer.Ordinal));

        var wrong = Run("import", "--input", Fixture("small-cnn-opset13-bn.onnx"), "--architecture", Fixture("small-cnn-opset9-bn.onnx"), "--output", native);
        Assert.Equal(1, wrong.Code);
        Assert.Contains("--architecture applies the weights of a .safetensors --input", wrong.Error);

        var folded = Run("import", "--input", Weights, "--architecture", Fixture("small-cnn-opset13-folded.onnx"), "--output", native);
        Assert.Equal(1, folded.Code);
        Assert.Contains("TrainingMode.PRESERVE", folded.Error);
    }
}
