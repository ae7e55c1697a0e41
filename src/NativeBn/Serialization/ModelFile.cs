using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using NativeBn.Data;
using NativeBn.Model;
using NativeBn.Model.Nodes;

namespace NativeBn.Serialization;

/// <summary>
/// The native model file: a whole <see cref="ModelDescription"/> (graph inputs with shapes, nodes with their
/// attributes, weights, BatchNorm conventions, running and population statistics, graph outputs) in one little-endian
/// binary file ending with a CRC-32. Writes are atomic; a truncated, corrupted or foreign file throws
/// <see cref="DataFormatException"/> and loads nothing. Files of format version 1 (sequential classifiers) load with an
/// explicit Softmax node at their end, since that version's models always predicted class probabilities. The layout is
/// documented in <c>docs/model-format.md</c>.
/// </summary>
public static class ModelFile
{
    /// <summary>The eight bytes every model file starts with.</summary>
    public static ReadOnlySpan<byte> Magic => "NBNMODEL"u8;

    /// <summary>The format version this code writes.</summary>
    public const int Version = 2;

    /// <summary>Largest size of any dimension a file may declare.</summary>
    public const int MaxWidth = 1 << 20;

    /// <summary>Most nodes a file may declare.</summary>
    public const int MaxNodes = 4096;

    /// <summary>Longest name, in UTF-8 bytes.</summary>
    public const int MaxNameBytes = 1024;

    private const int MaxRank = 8;

    private enum Tag : byte
    {
        Dense = 1,
        BatchNorm = 2,
        Relu = 3,
        Dropout = 4,
        Softmax = 5,
        Identity = 6,
        Flatten = 7,
        Add = 8,
        Conv2d = 9,
        Pool = 10,
        GlobalAveragePool = 11,
        Clip = 12,
    }

    /// <summary>Writes <paramref name="model"/> to <paramref name="path"/> atomically (temporary file, then rename).</summary>
    public static void Save(ModelDescription model, string path) => AtomicFile.WriteAllBytes(path, Serialize(model));

    /// <summary>Reads a model file.</summary>
    public static ModelDescription Load(string path)
    {
        byte[] content;
        try
        {
            content = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataFormatException($"Cannot read model file {path}: {e.Message}", e);
        }

        return Deserialize(content, path);
    }

    /// <summary>The file's bytes for <paramref name="model"/>.</summary>
    public static byte[] Serialize(ModelDescription model)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Magic);
            writer.Write(Version);
            writer.Write(model.Inputs.Length);
            foreach (ModelInput input in model.Inputs)
            {
                WriteString(writer, input.Name);
                writer.Write(input.Shape.Rank);
                foreach (Dimension dimension in input.Shape.Dimensions)
                {
                    writer.Write(dimension.Size);
                }
            }

            writer.Write(model.Nodes.Length);
            foreach (ModelNode node in model.Nodes)
            {
                WriteNode(writer, node);
            }

            writer.Write(model.Outputs.Length);
            foreach (string output in model.Outputs)
            {
                WriteString(writer, output);
            }
        }

        stream.Write(BitConverter.GetBytes(Crc32.Compute(stream.GetBuffer().AsSpan(0, (int)stream.Length))));
        return stream.ToArray();
    }

    /// <summary>Reads a model from a file's bytes; <paramref name="source"/> names it in errors.</summary>
    public static ModelDescription Deserialize(ReadOnlySpan<byte> content, string source)
    {
        if (content.Length < Magic.Length + 8 || !content[..Magic.Length].SequenceEqual(Magic))
        {
            throw new DataFormatException($"{source} is not a NativeBn model file (it does not start with NBNMODEL).");
        }

        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(content[^4..]);
        uint actual = Crc32.Compute(content[..^4]);
        var cursor = new BinaryCursor(content[..^4], source);
        cursor.Take(Magic.Length, "the magic number");
        int version = cursor.Int32("the format version");
        if (version is not (1 or Version))
        {
            throw cursor.Invalid($"format version {version} is not supported; this build reads versions 1 and {Version}.");
        }

        if (stored != actual)
        {
            throw cursor.Invalid($"checksum mismatch (stored 0x{stored:X8}, computed 0x{actual:X8}): the file is truncated or corrupted.");
        }

        ModelDescription model = version == 1 ? ModelFileVersion1.Read(ref cursor) : Read(ref cursor);
        if (cursor.Remaining != 0)
        {
            throw cursor.Invalid($"{cursor.Remaining} unexpected bytes after the model.");
        }

        return model;
    }

    private static ModelDescription Read(ref BinaryCursor cursor)
    {
        var inputs = new List<ModelInput>();
        var shapes = new Dictionary<string, ShapeInfo>(StringComparer.Ordinal);
        int inputCount = cursor.Count("the input count", 1, MaxNodes);
        for (int i = 0; i < inputCount; i++)
        {
            string name = cursor.String($"the name of input {i}", MaxNameBytes);
            int rank = cursor.Count($"the rank of input '{name}'", 1, MaxRank);
            var dimensions = new Dimension[rank];
            for (int d = 0; d < rank; d++)
            {
                int size = cursor.Count($"dimension {d} of input '{name}'", 0, MaxWidth);
                dimensions[d] = size == 0 ? Dimension.Batch : Dimension.Of(size);
            }

            var input = new ModelInput(name, new ShapeInfo(dimensions));
            inputs.Add(input);
            shapes[name] = input.Shape;
        }

        var nodes = new List<ModelNode>();
        int nodeCount = cursor.Count("the node count", 0, MaxNodes);
        for (int i = 0; i < nodeCount; i++)
        {
            ModelNode node = ReadNode(ref cursor, i, shapes);
            nodes.Add(node);
            try
            {
                shapes[node.Name] = node.InferShape([.. node.Inputs.Select(name => shapes[name])]);
            }
            catch (ArgumentException e)
            {
                throw cursor.Invalid(e.Message);
            }
        }

        int outputCount = cursor.Count("the output count", 1, MaxNodes);
        var outputs = new string[outputCount];
        for (int i = 0; i < outputCount; i++)
        {
            outputs[i] = cursor.String($"the name of output {i}", MaxNameBytes);
        }

        try
        {
            return new ModelDescription(inputs, nodes, outputs);
        }
        catch (ArgumentException e)
        {
            throw cursor.Invalid(e.Message);
        }
    }

    private static ModelNode ReadNode(ref BinaryCursor cursor, int index, Dictionary<string, ShapeInfo> shapes)
    {
        byte tag = cursor.Byte($"the kind of node {index}");
        string name = cursor.String($"the name of node {index}", MaxNameBytes);
        int inputCount = cursor.Count($"the input count of node '{name}'", 1, 2);
        var inputs = new string[inputCount];
        for (int i = 0; i < inputCount; i++)
        {
            inputs[i] = cursor.String($"input {i} of node '{name}'", MaxNameBytes);
            if (!shapes.ContainsKey(inputs[i]))
            {
                throw cursor.Invalid($"node '{name}' reads '{inputs[i]}', which no earlier node or input writes.");
            }
        }

        int Features(int input)
        {
            ShapeInfo shape = shapes[inputs[input]];
            return shape.Rank >= 2 && !shape.Dimensions[1].IsBatch ? shape[1] : 0;
        }

        try
        {
            return (Tag)tag switch
            {
                Tag.Dense => ReadDense(ref cursor, name, inputs[0], Features(0)),
                Tag.BatchNorm => BatchNormRecord.Read(ref cursor, name, inputs[0], Features(0)),
                Tag.Relu => new ReluNode(name, inputs[0]),
                Tag.Dropout => new DropoutNode(name, inputs[0], cursor.Double($"the rate of node '{name}'")),
                Tag.Softmax => new SoftmaxNode(name, inputs[0]),
                Tag.Identity => new IdentityNode(name, inputs[0]),
                Tag.Flatten => new FlattenNode(name, inputs[0]),
                Tag.Add => new AddNode(name, inputs[0], inputs.ElementAtOrDefault(1) ?? ""),
                Tag.Conv2d => ConvolutionRecords.ReadConv(ref cursor, name, inputs[0], Features(0)),
                Tag.Pool => ConvolutionRecords.ReadPool(ref cursor, name, inputs[0]),
                Tag.GlobalAveragePool => new GlobalAveragePoolNode(name, inputs[0]),
                Tag.Clip => new ClipNode(name, inputs[0], cursor.Single($"the lower bound of node '{name}'"), cursor.Single($"the upper bound of node '{name}'")),
                _ => throw cursor.Invalid($"node '{name}' has unknown kind {tag}."),
            };
        }
        catch (ArgumentException e)
        {
            throw cursor.Invalid(e.Message);
        }
    }

    /// <summary>The dense record: inputs (the input's features), outputs, weights <c>[outputs, inputs]</c>, bias.</summary>
    internal static DenseNode ReadDense(ref BinaryCursor cursor, string name, string input, int width)
    {
        int inputs = cursor.Count($"the inputs of node '{name}'", width, width);
        int outputs = cursor.Count($"the outputs of node '{name}'", 1, MaxWidth);
        float[] weight = cursor.Floats((long)inputs * outputs, $"the weights of node '{name}'");
        float[] bias = cursor.Floats(outputs, $"the bias of node '{name}'");
        return new DenseNode(name, input, inputs, outputs, weight, bias);
    }

    private static void WriteNode(BinaryWriter writer, ModelNode node)
    {
        Tag tag = node switch
        {
            DenseNode => Tag.Dense,
            BatchNormNode => Tag.BatchNorm,
            ReluNode => Tag.Relu,
            DropoutNode => Tag.Dropout,
            SoftmaxNode => Tag.Softmax,
            IdentityNode => Tag.Identity,
            FlattenNode => Tag.Flatten,
            AddNode => Tag.Add,
            Conv2dNode => Tag.Conv2d,
            PoolNode => Tag.Pool,
            GlobalAveragePoolNode => Tag.GlobalAveragePool,
            ClipNode => Tag.Clip,
            _ => throw new ArgumentException($"Node '{node.Name}' ({node.Kind}) has no record in the model file.", nameof(node)),
        };
        writer.Write((byte)tag);
        WriteString(writer, node.Name);
        writer.Write(node.Inputs.Length);
        foreach (string input in node.Inputs)
        {
            WriteString(writer, input);
        }

        switch (node)
        {
            case DenseNode dense:
                writer.Write(dense.InputFeatures);
                writer.Write(dense.OutputFeatures);
                writer.Write(MemoryMarshal.AsBytes(dense.Weight.AsSpan()));
                writer.Write(MemoryMarshal.AsBytes(dense.Bias.AsSpan()));
                break;
            case BatchNormNode batchNorm:
                BatchNormRecord.Write(writer, batchNorm);
                break;
            case DropoutNode dropout:
                writer.Write(dropout.Rate);
                break;
            case Conv2dNode conv:
                ConvolutionRecords.WriteConv(writer, conv);
                break;
            case PoolNode pool:
                ConvolutionRecords.WritePool(writer, pool);
                break;
            case ClipNode clip:
                writer.Write(clip.Min);
                writer.Write(clip.Max);
                break;
        }
    }

    private static void WriteString(BinaryWriter writer, string value)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(value);
        if (bytes.Length > MaxNameBytes)
        {
            throw new ArgumentException($"The name '{value[..40]}...' has {bytes.Length} UTF-8 bytes; model files keep names of at most {MaxNameBytes}.");
        }

        writer.Write(bytes.Length);
        writer.Write(bytes);
    }
}
