using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using NativeBn.Data;
using NativeBn.Model;
using NativeBn.Model.Nodes;
using NativeBn.Normalization;
using NativeBn.Serialization;

namespace NativeBn.Interop.Safetensors;

/// <summary>
/// The weights of any model (convolutional networks, graphs) as a PyTorch <c>state_dict</c> in safetensors, each
/// tensor under the name of its node. A model imported from an ONNX file that PyTorch exported with BatchNorm kept has
/// its nodes named after the modules' <c>state_dict</c> prefixes (torchvision ResNet-18's <c>layer1.0.conv1</c>,
/// <c>layer1.0.bn1</c>), so such a file and the model's <c>state_dict</c> name the same tensors:
/// <list type="bullet">
/// <item>Conv2d: <c>NAME.weight</c> <c>[out, in/groups, kH, kW]</c> and, when the layer has a bias, <c>NAME.bias</c> <c>[out]</c>.</item>
/// <item>BatchNorm over <c>[N, C]</c> or <c>[N, C, H, W]</c>: <c>NAME.weight</c> (gamma), <c>NAME.bias</c> (beta),
/// <c>NAME.running_mean</c>, <c>NAME.running_var</c> (each <c>[C]</c>) and <c>NAME.num_batches_tracked</c> (I64 scalar; as for
/// sequential files it is the layer's <see cref="BatchNormNode.BatchesTracked"/>, 0 when a file has none).</item>
/// <item>Dense (ONNX Gemm, <c>nn.Linear</c>): <c>NAME.weight</c> <c>[out, in]</c> and <c>NAME.bias</c> <c>[out]</c>.</item>
/// </list>
/// A <c>state_dict</c> holds tensors only, so reading needs the architecture (an ONNX or native model file) and
/// replaces its weights. Reading takes exactly the tensors the architecture names: a missing or extra tensor, a shape
/// other than the one above, or a dtype other than F32/F64 (I64 for the batch count) is a
/// <see cref="DataFormatException"/> naming the tensor, the expected and the actual value. The running variance is
/// copied unchanged (it is what inference divides by) and, as in PyTorch, taken to be unbiased; epsilon and momentum
/// come from the architecture unless the file's metadata states them (<c>nativebn.NAME.epsilon</c>, ..., as
/// <see cref="Export"/> writes them, momentum as PyTorch's update rate). Population statistics of the architecture are
/// dropped, since they belong to its old weights. Keras names are not read here: Keras keeps convolution kernels as
/// <c>[kH, kW, in, out]</c> under its own layer names, which no architecture file carries.
/// </summary>
public static class SafetensorsStateDict
{
    /// <summary>The metadata key whose value <see cref="NodeNames"/> marks a file written by <see cref="Export"/>.</summary>
    internal const string NamesKey = "nativebn.names";

    /// <summary>The value of <see cref="NamesKey"/>.</summary>
    internal const string NodeNames = "nodes";

    private const int ListedNames = 20;

    /// <summary>The model's weights as a safetensors file, tensors in node order, F32 (the batch count I64).</summary>
    /// <param name="model">Any model; nodes without weights write nothing.</param>
    /// <param name="statistics">The BatchNorm statistics to write as <c>running_mean</c> and <c>running_var</c>.</param>
    public static byte[] Export(ModelDescription model, NormalizationStatistics statistics = NormalizationStatistics.Running)
    {
        ArgumentNullException.ThrowIfNull(model);
        var tensors = new List<KeyValuePair<string, SafetensorsTensor>>();
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["nativebn.naming"] = "pytorch", [NamesKey] = NodeNames };
        foreach (ModelNode node in model.Nodes)
        {
            switch (node)
            {
                case Conv2dNode conv:
                    tensors.Add(new($"{conv.Name}.weight", SafetensorsTensor.Float32(conv.Weight.AsSpan(), ConvShape(conv))));
                    if (conv.HasBias)
                    {
                        tensors.Add(new($"{conv.Name}.bias", SafetensorsTensor.Float32(conv.Bias.AsSpan(), conv.OutputChannels)));
                    }

                    break;
                case BatchNormNode batchNorm:
                    (var mean, var variance) = batchNorm.Statistics(statistics);
                    int c = batchNorm.Channels;
                    tensors.Add(new($"{batchNorm.Name}.weight", SafetensorsTensor.Float32(batchNorm.Gamma.AsSpan(), c)));
                    tensors.Add(new($"{batchNorm.Name}.bias", SafetensorsTensor.Float32(batchNorm.Beta.AsSpan(), c)));
                    tensors.Add(new($"{batchNorm.Name}.running_mean", SafetensorsTensor.Float32(mean.AsSpan(), c)));
                    tensors.Add(new($"{batchNorm.Name}.running_var", SafetensorsTensor.Float32(variance.AsSpan(), c)));
                    var count = new byte[8];
                    BinaryPrimitives.WriteInt64LittleEndian(count, batchNorm.BatchesTracked);
                    tensors.Add(new($"{batchNorm.Name}.num_batches_tracked", new SafetensorsTensor("I64", [], count)));
                    BatchNormMetadata.Write(metadata, batchNorm.Name, batchNorm.Options.Conventions, MomentumConvention.UpdateRate);
                    break;
                case DenseNode dense:
                    tensors.Add(new($"{dense.Name}.weight", SafetensorsTensor.Float32(dense.Weight.AsSpan(), dense.OutputFeatures, dense.InputFeatures)));
                    tensors.Add(new($"{dense.Name}.bias", SafetensorsTensor.Float32(dense.Bias.AsSpan(), dense.OutputFeatures)));
                    break;
            }
        }

        return SafetensorsFile.Write(tensors, metadata);
    }

    /// <summary>Writes <see cref="Export"/>'s file atomically.</summary>
    public static void Save(ModelDescription model, string path, NormalizationStatistics statistics = NormalizationStatistics.Running) =>
        AtomicFile.WriteAllBytes(path, Export(model, statistics));

    /// <summary>The architecture with the weights of the safetensors file at <paramref name="path"/>.</summary>
    public static ModelDescription Load(ModelDescription architecture, string path)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        var (tensors, metadata) = SafetensorsFile.ReadFile(path);
        return Apply(architecture, tensors, metadata, path);
    }

    /// <summary>The architecture with the weights of safetensors bytes; <paramref name="source"/> names them in errors.</summary>
    public static ModelDescription Apply(ModelDescription architecture, ReadOnlySpan<byte> content, string source)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        var (tensors, metadata) = SafetensorsFile.Read(content, source);
        return Apply(architecture, tensors, metadata, source);
    }

    private static ModelDescription Apply(
        ModelDescription architecture, IReadOnlyDictionary<string, SafetensorsTensor> tensors, IReadOnlyDictionary<string, string> metadata, string source)
    {
        if (metadata.TryGetValue("nativebn.naming", out string? naming) && naming == "keras")
        {
            throw new DataFormatException($"{source} has Keras names; weights for an architecture are read from PyTorch state_dict names only (NODE.weight, NODE.bias, NODE.running_mean, ...).");
        }

        RequireSameNames(architecture, tensors, source);
        var reader = new SafetensorsTensorReader(tensors, source);
        try
        {
            return architecture.WithNodes(node => node switch
            {
                Conv2dNode conv => conv.WithWeights(conv.Name, reader.Floats($"{conv.Name}.weight", ConvShape(conv)),
                    conv.HasBias ? reader.Floats($"{conv.Name}.bias", [conv.OutputChannels]) : []),
                BatchNormNode batchNorm => BatchNorm(batchNorm, reader, metadata),
                DenseNode dense => new DenseNode(dense.Name, dense.Inputs[0], dense.InputFeatures, dense.OutputFeatures,
                    reader.Floats($"{dense.Name}.weight", [dense.OutputFeatures, dense.InputFeatures]), reader.Floats($"{dense.Name}.bias", [dense.OutputFeatures])),
                _ => node,
            });
        }
        catch (ArgumentException e)
        {
            throw new DataFormatException($"{source}: {e.Message}", e);
        }
    }

    private static BatchNormNode BatchNorm(BatchNormNode node, SafetensorsTensorReader reader, IReadOnlyDictionary<string, string> metadata)
    {
        string name = node.Name;
        long[] shape = [node.Channels];
        float[] gamma = reader.Floats($"{name}.weight", shape), beta = reader.Floats($"{name}.bias", shape);
        float[] mean = reader.Floats($"{name}.running_mean", shape), variance = reader.Floats($"{name}.running_var", shape);
        long tracked = reader.Has($"{name}.num_batches_tracked") ? reader.Int64Scalar($"{name}.num_batches_tracked") : 0;
        BatchNormConventions architecture = node.Options.Conventions;
        var fallback = new BatchNormConventions(architecture.Momentum, architecture.MomentumConvention, architecture.Epsilon, RunningVarianceConvention.Unbiased);
        BatchNormConventions conventions = BatchNormMetadata.Read(metadata, name, fallback, MomentumConvention.UpdateRate, reader.Source);
        return new BatchNormNode(name, node.Inputs[0], node.Options with { Conventions = conventions }, gamma, beta,
            [.. mean.Select(v => (double)v)], [.. variance.Select(v => (double)v)], tracked);
    }

    /// <summary>Throws one error listing every tensor the architecture needs but the file lacks, and every one it has no place for.</summary>
    private static void RequireSameNames(ModelDescription architecture, IReadOnlyDictionary<string, SafetensorsTensor> tensors, string source)
    {
        var expected = new Dictionary<string, (long[] Shape, bool Optional)>(StringComparer.Ordinal);
        foreach (ModelNode node in architecture.Nodes)
        {
            foreach (var (name, shape, optional) in Expected(node))
            {
                expected[name] = (shape, optional);
            }
        }

        string[] missing = [.. expected.Where(e => !e.Value.Optional && !tensors.ContainsKey(e.Key)).Select(e => $"{e.Key} [{string.Join(", ", e.Value.Shape)}]")];
        string[] extra = [.. tensors.Where(t => !expected.ContainsKey(t.Key)).Select(t => $"{t.Key} [{string.Join(", ", t.Value.Shape)}]")];
        if (missing.Length == 0 && extra.Length == 0)
        {
            return;
        }

        var message = new System.Text.StringBuilder($"{source} does not hold the weights of this architecture");
        if (missing.Length > 0)
        {
            message.Append(CultureInfo.InvariantCulture, $"; missing (the architecture needs them): {List(missing)}");
        }

        if (extra.Length > 0)
        {
            message.Append(CultureInfo.InvariantCulture, $"; extra (no node of that name takes them): {List(extra)}");
        }

        HashSet<string> batchNorms = [.. architecture.BatchNorms.Select(b => b.Name)];
        string[] foldedAway = [.. tensors.Keys
            .Where(k => k.EndsWith(".running_mean", StringComparison.Ordinal))
            .Select(k => k[..^".running_mean".Length])
            .Where(prefix => !batchNorms.Contains(prefix))];
        if (foldedAway.Length > 0)
        {
            message.Append(CultureInfo.InvariantCulture,
                $". The file has BatchNorm layers the architecture lacks ({List(foldedAway)}): PyTorch's default eval-mode ONNX export folds BatchNorm into the convolutions and drops their state_dict names; export the architecture with training=torch.onnx.TrainingMode.PRESERVE to keep them");
        }

        throw new DataFormatException(message.Append('.').ToString());
    }

    private static string List(string[] names) =>
        names.Length <= ListedNames
            ? string.Join(", ", names)
            : string.Join(", ", names.Take(ListedNames)) + string.Create(CultureInfo.InvariantCulture, $" and {names.Length - ListedNames} more");

    private static IEnumerable<(string Name, long[] Shape, bool Optional)> Expected(ModelNode node)
    {
        switch (node)
        {
            case Conv2dNode conv:
                yield return ($"{conv.Name}.weight", ConvShape(conv), false);
                if (conv.HasBias)
                {
                    yield return ($"{conv.Name}.bias", [conv.OutputChannels], false);
                }

                break;
            case BatchNormNode batchNorm:
                foreach (string parameter in new[] { "weight", "bias", "running_mean", "running_var" })
                {
                    yield return ($"{batchNorm.Name}.{parameter}", [batchNorm.Channels], false);
                }

                yield return ($"{batchNorm.Name}.num_batches_tracked", [], true);
                break;
            case DenseNode dense:
                yield return ($"{dense.Name}.weight", [dense.OutputFeatures, dense.InputFeatures], false);
                yield return ($"{dense.Name}.bias", [dense.OutputFeatures], false);
                break;
        }
    }

    private static long[] ConvShape(Conv2dNode conv) =>
        [conv.OutputChannels, conv.InputChannels / conv.Groups, conv.Window.KernelHeight, conv.Window.KernelWidth];
}
