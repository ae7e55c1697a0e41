using System.Globalization;
using System.Runtime.InteropServices;
using NativeBn.Data;
using NativeBn.Model;
using NativeBn.Model.Nodes;
using NativeBn.Normalization;
using NativeBn.Serialization;

namespace NativeBn.Interop.Safetensors;

/// <summary>
/// Models to and from safetensors files in PyTorch or Keras naming, with every convention stated:
/// <list type="bullet">
/// <item>Dense weights: PyTorch <c>[out, in]</c> as stored by NativeBn; Keras kernels <c>[in, out]</c> (transposed on export and import).</item>
/// <item>BatchNorm momentum: PyTorch's is the new batch's weight (update rate m), Keras' a decay (1 - m); both are written to
/// the metadata in the naming's own meaning, because a <c>state_dict</c> carries no hyperparameters.</item>
/// <item>Epsilon: written to the metadata; imports without it take the framework's default (PyTorch 1e-5, Keras 1e-3).</item>
/// <item>Running variance: copied unchanged, because it is what inference divides by in every framework; its bias
/// convention (PyTorch unbiased, Keras biased) only governs future training updates and is recorded in the metadata.</item>
/// <item><c>num_batches_tracked</c> (PyTorch) is the layer's <see cref="BatchNorm.BatchesTracked"/>.</item>
/// </list>
/// The metadata key <c>nativebn.layers</c> lists the architecture (e.g. <c>dense,batchnorm,relu,dense,softmax</c>). Files without it
/// are read by inference: PyTorch indices with no parameters between two layers are ReLU, and Keras layers chain as
/// <c>dense_k → batch_normalization_k → ReLU</c> in suffix order with a final dense layer. Other models (convolutions,
/// graphs) are written as their <c>state_dict</c> under their node names and read with their architecture
/// (<see cref="SafetensorsStateDict"/>).
/// </summary>
public static class SafetensorsModels
{
    private const string LayersKey = "nativebn.layers";
    private const string NamingKey = "nativebn.naming";

    /// <summary>
    /// The model as a safetensors file: a sequential model (<see cref="IsSequential"/>) under <c>nn.Sequential</c> indices
    /// or Keras names, readable without its architecture; with <see cref="SafetensorsNaming.PyTorchNodeNames"/>, or with
    /// <see cref="SafetensorsNaming.PyTorch"/> for any other model (convolutions, graphs), its <c>state_dict</c> under its
    /// node names (<see cref="SafetensorsStateDict.Export"/>), which is read back with the architecture.
    /// </summary>
    /// <exception cref="ArgumentException">Keras names asked for a model that is not sequential.</exception>
    public static byte[] Export(ModelDescription model, SafetensorsNaming naming = SafetensorsNaming.PyTorch, NormalizationStatistics statistics = NormalizationStatistics.Running)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (naming == SafetensorsNaming.PyTorchNodeNames || (naming == SafetensorsNaming.PyTorch && !IsSequential(model)))
        {
            return SafetensorsStateDict.Export(model, statistics);
        }

        if (!IsSequential(model))
        {
            throw new ArgumentException(
                "Keras names cover sequential models of dense and BatchNorm layers on [N, features]; this model " + (model.IsChain
                    ? $"has node '{model.Nodes.First(n => !SequentialKind(n)).Name}' ({model.Nodes.First(n => !SequentialKind(n)).Kind}) or takes [N, C, H, W]"
                    : "is a graph")
                + ". Keras convolution kernels ([kH, kW, in, out] under Keras layer names) are not supported; write it with PyTorch names.",
                nameof(model));
        }

        var tensors = new List<KeyValuePair<string, SafetensorsTensor>>();
        var metadata = new Dictionary<string, string>
        {
            ["format"] = naming == SafetensorsNaming.PyTorch ? "pt" : "keras",
            [NamingKey] = naming == SafetensorsNaming.PyTorch ? "pytorch" : "keras",
        };
        var kinds = new List<string>();
        int denseCount = 0, batchNormCount = 0;
        for (int i = 0; i < model.Nodes.Length; i++)
        {
            switch (model.Nodes[i])
            {
                case DenseNode dense:
                    kinds.Add("dense");
                    string denseName = naming == SafetensorsNaming.PyTorch ? $"{i}" : KerasName("dense", denseCount++);
                    if (naming == SafetensorsNaming.PyTorch)
                    {
                        tensors.Add(new($"{denseName}.weight", SafetensorsTensor.Float32(dense.Weight.AsSpan(), dense.OutputFeatures, dense.InputFeatures)));
                    }
                    else
                    {
                        tensors.Add(new($"{denseName}.kernel", SafetensorsTensor.Float32(Transpose(dense.Weight.AsSpan(), dense.OutputFeatures, dense.InputFeatures), dense.InputFeatures, dense.OutputFeatures)));
                    }

                    tensors.Add(new($"{denseName}.bias", SafetensorsTensor.Float32(dense.Bias.AsSpan(), dense.OutputFeatures)));
                    break;
                case BatchNormNode batchNorm:
                    kinds.Add("batchnorm");
                    (var mean, var variance) = batchNorm.Statistics(statistics);
                    int c = batchNorm.Channels;
                    string name = naming == SafetensorsNaming.PyTorch ? $"{i}" : KerasName("batch_normalization", batchNormCount++);
                    (string gamma, string beta, string runningMean, string runningVariance) = naming == SafetensorsNaming.PyTorch
                        ? ("weight", "bias", "running_mean", "running_var")
                        : ("gamma", "beta", "moving_mean", "moving_variance");
                    tensors.Add(new($"{name}.{gamma}", SafetensorsTensor.Float32(batchNorm.Gamma.AsSpan(), c)));
                    tensors.Add(new($"{name}.{beta}", SafetensorsTensor.Float32(batchNorm.Beta.AsSpan(), c)));
                    tensors.Add(new($"{name}.{runningMean}", SafetensorsTensor.Float32(mean.AsSpan(), c)));
                    tensors.Add(new($"{name}.{runningVariance}", SafetensorsTensor.Float32(variance.AsSpan(), c)));
                    if (naming == SafetensorsNaming.PyTorch)
                    {
                        tensors.Add(new($"{name}.num_batches_tracked", new SafetensorsTensor("I64", [], BitConverter.GetBytes(batchNorm.BatchesTracked))));
                    }

                    BatchNormMetadata.Write(metadata, name, batchNorm.Options.Conventions,
                        naming == SafetensorsNaming.PyTorch ? MomentumConvention.UpdateRate : MomentumConvention.Decay);
                    break;
                case ReluNode:
                    kinds.Add("relu");
                    break;
                case DropoutNode dropout:
                    kinds.Add($"dropout:{dropout.Rate.ToString("R", CultureInfo.InvariantCulture)}");
                    break;
                case SoftmaxNode:
                    kinds.Add("softmax");
                    break;
                case IdentityNode or FlattenNode:
                    kinds.Add("identity");
                    break;
                default:
                    throw new ArgumentException($"Node '{model.Nodes[i].Name}' ({model.Nodes[i].Kind}) has no safetensors layer kind.", nameof(model));
            }
        }

        metadata[LayersKey] = string.Join(",", kinds);
        return SafetensorsFile.Write(tensors, metadata);
    }

    /// <summary>
    /// True when <c>nn.Sequential</c> indices (or Keras names) and the <c>nativebn.layers</c> metadata describe the model
    /// whole: a chain (<see cref="ModelDescription.IsChain"/>) on <c>[N, features]</c> of Dense, BatchNorm, ReLU, Dropout,
    /// Softmax, Identity and Flatten nodes.
    /// </summary>
    public static bool IsSequential(ModelDescription model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model.IsChain && model.Input.Shape.Rank == 2 && model.Nodes.All(SequentialKind);
    }

    private static bool SequentialKind(ModelNode node) =>
        node is DenseNode or BatchNormNode or ReluNode or DropoutNode or SoftmaxNode or IdentityNode or FlattenNode;

    /// <summary>Writes the model as a safetensors file atomically.</summary>
    public static void Save(ModelDescription model, string path, SafetensorsNaming naming = SafetensorsNaming.PyTorch, NormalizationStatistics statistics = NormalizationStatistics.Running) =>
        AtomicFile.WriteAllBytes(path, Export(model, naming, statistics));

    /// <summary>Reads a safetensors file into a model.</summary>
    public static ModelDescription Load(string path)
    {
        var (tensors, metadata) = SafetensorsFile.ReadFile(path);
        return Import(tensors, metadata, path);
    }

    /// <summary>Reads safetensors bytes into a model.</summary>
    public static ModelDescription Import(ReadOnlySpan<byte> content, string source)
    {
        var (tensors, metadata) = SafetensorsFile.Read(content, source);
        return Import(tensors, metadata, source);
    }

    /// <summary>The naming a safetensors file uses (from its metadata, or from its tensor names), so that re-saving keeps it.</summary>
    public static SafetensorsNaming NamingOf(string path)
    {
        var (tensors, metadata) = SafetensorsFile.ReadFile(path);
        return IsKeras(tensors, metadata) ? SafetensorsNaming.Keras
            : HasNodeNames(metadata) ? SafetensorsNaming.PyTorchNodeNames
            : SafetensorsNaming.PyTorch;
    }

    private static bool HasNodeNames(IReadOnlyDictionary<string, string> metadata) =>
        metadata.TryGetValue(SafetensorsStateDict.NamesKey, out string? names) && names == SafetensorsStateDict.NodeNames;

    private static bool IsKeras(IReadOnlyDictionary<string, SafetensorsTensor> tensors, IReadOnlyDictionary<string, string> metadata) =>
        metadata.TryGetValue(NamingKey, out string? naming)
            ? naming == "keras"
            : tensors.Keys.Any(k => k.EndsWith(".kernel", StringComparison.Ordinal) || k.EndsWith(".moving_mean", StringComparison.Ordinal));

    private static ModelDescription Import(
        IReadOnlyDictionary<string, SafetensorsTensor> tensors, IReadOnlyDictionary<string, string> metadata, string source)
    {
        if (HasNodeNames(metadata))
        {
            throw new DataFormatException($"{source} holds a state_dict under the node names of a model ({string.Join(", ", tensors.Keys.Take(3))}, ...); read it with its architecture, an ONNX or native model file (SafetensorsStateDict.Load; nativebn: --architecture).");
        }

        bool keras = IsKeras(tensors, metadata);
        var reader = new SafetensorsTensorReader(tensors, source);
        List<(string Kind, string Name)> layers = metadata.TryGetValue(LayersKey, out string? list)
            ? Named(list, keras, source)
            : keras ? InferKeras(tensors.Keys) : InferPyTorch(tensors.Keys, source);
        try
        {
            return Build(layers, reader, metadata, keras);
        }
        catch (ArgumentException e)
        {
            throw new DataFormatException($"{source}: {e.Message}", e);
        }
    }

    private static ModelDescription Build(List<(string Kind, string Name)> layers, SafetensorsTensorReader reader, IReadOnlyDictionary<string, string> metadata, bool keras)
    {
        var first = layers.FirstOrDefault(l => l.Kind is "dense" or "batchnorm");
        if (first.Kind is null)
        {
            throw new DataFormatException($"{reader.Source}: no dense or BatchNorm layer found.");
        }

        int inputWidth = first.Kind == "dense"
            ? (int)reader.Shape(first.Name + (keras ? ".kernel" : ".weight"), 2)[keras ? 0 : 1]
            : (int)reader.Shape(first.Name + (keras ? ".gamma" : ".weight"), 1)[0];
        var nodes = new List<ModelNode>();
        int width = inputWidth;
        string previous = "input";
        foreach ((string kind, string name) in layers)
        {
            ModelNode node;
            switch (kind)
            {
                case "dense":
                    long[] shape = reader.Shape(name + (keras ? ".kernel" : ".weight"), 2);
                    int inputs = (int)(keras ? shape[0] : shape[1]), outputs = (int)(keras ? shape[1] : shape[0]);
                    if (inputs != width)
                    {
                        throw new DataFormatException($"{reader.Source}: layer '{name}' takes {inputs} features but the previous layer produces {width}.");
                    }

                    float[] weight = reader.Floats(name + (keras ? ".kernel" : ".weight"), (long)inputs * outputs);
                    float[] bias = reader.Floats(name + ".bias", outputs);
                    node = new DenseNode(name, previous, inputs, outputs, keras ? Transpose(weight, inputs, outputs) : weight, bias);
                    width = outputs;
                    break;
                case "batchnorm":
                    node = BatchNorm(name, previous, width, reader, metadata, keras);
                    break;
                case "relu":
                    node = new ReluNode(name, previous);
                    break;
                case "softmax":
                    node = new SoftmaxNode(name, previous);
                    break;
                case "identity":
                    node = new IdentityNode(name, previous);
                    break;
                default:
                    node = new DropoutNode(name, previous, double.Parse(kind["dropout:".Length..], CultureInfo.InvariantCulture));
                    break;
            }

            nodes.Add(node);
            previous = node.Name;
        }

        return new ModelDescription([new ModelInput("input", ShapeInfo.Features(inputWidth))], nodes, [previous]);
    }

    private static BatchNormNode BatchNorm(string name, string input, int width, SafetensorsTensorReader reader, IReadOnlyDictionary<string, string> metadata, bool keras)
    {
        (string gamma, string beta, string mean, string variance) = keras
            ? ("gamma", "beta", "moving_mean", "moving_variance")
            : ("weight", "bias", "running_mean", "running_var");
        float[] g = reader.Floats($"{name}.{gamma}", width), b = reader.Floats($"{name}.{beta}", width);
        float[] m = reader.Floats($"{name}.{mean}", width), v = reader.Floats($"{name}.{variance}", width);
        long tracked = !keras && reader.Has($"{name}.num_batches_tracked") ? reader.Int64Scalar($"{name}.num_batches_tracked") : 0;
        BatchNormConventions preset = keras ? BatchNormConventions.Keras : BatchNormConventions.PyTorch;
        BatchNormConventions conventions = BatchNormMetadata.Read(metadata, name, preset, preset.MomentumConvention, reader.Source);
        return new BatchNormNode(name, input, new BatchNormOptions { Conventions = conventions }, g, b,
            [.. m.Select(x => (double)x)], [.. v.Select(x => (double)x)], tracked);
    }

    private static List<(string Kind, string Name)> Named(string list, bool keras, string source)
    {
        var layers = new List<(string, string)>();
        int denseCount = 0, batchNormCount = 0;
        string[] kinds = list.Split(',');
        for (int i = 0; i < kinds.Length; i++)
        {
            string kind = kinds[i];
            if (kind is not ("dense" or "batchnorm" or "relu" or "softmax" or "identity") && !(kind.StartsWith("dropout:", StringComparison.Ordinal)
                && double.TryParse(kind["dropout:".Length..], NumberStyles.Float, CultureInfo.InvariantCulture, out _)))
            {
                throw new DataFormatException($"{source}: layer kind '{kind}' in {LayersKey} is not supported (dense, batchnorm, relu, dropout:RATE, softmax, identity).");
            }

            string name = kind switch
            {
                "dense" => keras ? KerasName("dense", denseCount++) : $"{i}",
                "batchnorm" => keras ? KerasName("batch_normalization", batchNormCount++) : $"{i}",
                _ => $"{i}",
            };
            layers.Add((kind, name));
        }

        return layers;
    }

    private static List<(string Kind, string Name)> InferPyTorch(IEnumerable<string> keys, string source)
    {
        var indices = new SortedDictionary<int, string>();
        foreach (string key in keys)
        {
            int dot = key.IndexOf('.', StringComparison.Ordinal);
            if (dot <= 0 || !int.TryParse(key[..dot], NumberStyles.None, CultureInfo.InvariantCulture, out int index))
            {
                throw new DataFormatException($"{source}: tensor '{key}' is not named like an nn.Sequential state_dict entry (index.parameter); the state_dict of another module needs its architecture, an ONNX or native model file (SafetensorsStateDict.Load; nativebn: --architecture).");
            }

            string parameter = key[(dot + 1)..];
            indices[index] = parameter == "running_mean" || (indices.TryGetValue(index, out string? kind) && kind == "batchnorm") ? "batchnorm" : kind ?? "dense";
        }

        var layers = new List<(string, string)>();
        int previous = -1;
        foreach ((int index, string kind) in indices)
        {
            for (int gap = previous + 1; gap < index && previous >= 0; gap++)
            {
                layers.Add(("relu", $"{gap}"));
            }

            layers.Add((kind, $"{index}"));
            previous = index;
        }

        return layers;
    }

    private static List<(string Kind, string Name)> InferKeras(IEnumerable<string> keys)
    {
        string[] names = [.. keys.Select(k => k[..k.LastIndexOf('.')]).Distinct()];
        static int Suffix(string name, string stem) => name == stem ? 0 : int.Parse(name[(stem.Length + 1)..], CultureInfo.InvariantCulture);
        string[] denses = [.. names.Where(n => n == "dense" || n.StartsWith("dense_", StringComparison.Ordinal)).OrderBy(n => Suffix(n, "dense"))];
        string[] norms = [.. names.Where(n => n.StartsWith("batch_normalization", StringComparison.Ordinal)).OrderBy(n => Suffix(n, "batch_normalization"))];
        var layers = new List<(string, string)>();
        for (int k = 0; k < denses.Length; k++)
        {
            layers.Add(("dense", denses[k]));
            if (k < denses.Length - 1)
            {
                if (k < norms.Length)
                {
                    layers.Add(("batchnorm", norms[k]));
                }

                layers.Add(("relu", $"relu_{k}"));
            }
        }

        return layers;
    }

    private static string KerasName(string stem, int index) => index == 0 ? stem : $"{stem}_{index}";

    private static float[] Transpose(ReadOnlySpan<float> w, int rows, int columns)
    {
        var t = new float[w.Length];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++)
            {
                t[c * rows + r] = w[r * columns + c];
            }
        }

        return t;
    }
}
