using System.Buffers.Binary;
using System.Runtime.InteropServices;
using NativeBn.Data;
using NativeBn.Network;
using NativeBn.Normalization;

namespace NativeBn.Serialization;

/// <summary>
/// The native model file: a whole <see cref="Sequential"/> model (architecture, weights, BatchNorm conventions,
/// running and population statistics) in one little-endian binary file ending with a CRC-32. Writes are atomic;
/// a truncated, corrupted or foreign file throws <see cref="DataFormatException"/> and loads nothing.
/// The layout is documented in <c>docs/model-format.md</c>.
/// </summary>
public static class ModelFile
{
    /// <summary>The eight bytes every model file starts with.</summary>
    public static ReadOnlySpan<byte> Magic => "NBNMODEL"u8;

    /// <summary>The format version this code writes and reads.</summary>
    public const int Version = 1;

    /// <summary>Largest width of any layer a file may declare.</summary>
    public const int MaxWidth = 1 << 20;

    private const int MaxLayers = 4096;

    /// <summary>Writes <paramref name="model"/> to <paramref name="path"/> atomically (temporary file, then rename).</summary>
    public static void Save(Sequential model, string path) => AtomicFile.WriteAllBytes(path, Serialize(model));

    /// <summary>Reads a model file; the model's buffers are planned for batches of up to <paramref name="maxBatch"/>.</summary>
    public static Sequential Load(string path, int maxBatch = 256)
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

        return Deserialize(content, path, maxBatch);
    }

    /// <summary>The file's bytes for <paramref name="model"/>.</summary>
    public static byte[] Serialize(Sequential model)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Magic);
            writer.Write(Version);
            writer.Write(model.InputWidth);
            writer.Write(model.Layers.Count);
            foreach (Layer layer in model.Layers)
            {
                writer.Write((byte)layer.Kind);
                switch (layer)
                {
                    case DenseLayer dense:
                        writer.Write(dense.InputWidth);
                        writer.Write(dense.OutputWidth);
                        writer.Write(MemoryMarshal.AsBytes(dense.Weight));
                        writer.Write(MemoryMarshal.AsBytes(dense.Bias));
                        break;
                    case BatchNormLayer batchNorm:
                        WriteBatchNorm(writer, batchNorm.BatchNorm);
                        break;
                    case DropoutLayer dropout:
                        writer.Write(dropout.InputWidth);
                        writer.Write(dropout.Rate);
                        break;
                    default:
                        writer.Write(layer.InputWidth);
                        break;
                }
            }
        }

        stream.Write(BitConverter.GetBytes(Crc32.Compute(stream.GetBuffer().AsSpan(0, (int)stream.Length))));
        return stream.ToArray();
    }

    /// <summary>Reads a model from a file's bytes; <paramref name="source"/> names it in errors.</summary>
    public static Sequential Deserialize(ReadOnlySpan<byte> content, string source, int maxBatch = 256)
    {
        if (content.Length < Magic.Length + 4 || !content[..Magic.Length].SequenceEqual(Magic))
        {
            throw new DataFormatException($"{source} is not a NativeBn model file (it does not start with NBNMODEL).");
        }

        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(content[^4..]);
        uint actual = Crc32.Compute(content[..^4]);
        var cursor = new BinaryCursor(content[..^4], source);
        cursor.Take(Magic.Length, "the magic number");
        int version = cursor.Int32("the format version");
        if (version != Version)
        {
            throw cursor.Invalid($"format version {version} is not supported; this build reads version {Version}.");
        }

        if (stored != actual)
        {
            throw cursor.Invalid($"checksum mismatch (stored 0x{stored:X8}, computed 0x{actual:X8}): the file is truncated or corrupted.");
        }

        int inputWidth = cursor.Count("the input width", 1, MaxWidth);
        int layerCount = cursor.Count("the layer count", 1, MaxLayers);
        var builder = new SequentialBuilder(inputWidth, seed: 0);
        var loaders = new List<Action<Layer>>();
        int width = inputWidth;
        for (int i = 0; i < layerCount; i++)
        {
            byte kind = cursor.Byte($"the kind of layer {i}");
            switch ((LayerKind)kind)
            {
                case LayerKind.Dense:
                    int inputs = cursor.Count($"the inputs of layer {i}", width, width);
                    int outputs = cursor.Count($"the outputs of layer {i}", 1, MaxWidth);
                    float[] weight = cursor.Floats(checked(inputs * outputs), $"the weights of layer {i}");
                    float[] bias = cursor.Floats(outputs, $"the bias of layer {i}");
                    builder.Dense(outputs);
                    loaders.Add(layer => ((DenseLayer)layer).SetParameters(weight, bias));
                    width = outputs;
                    break;
                case LayerKind.BatchNorm:
                    (BatchNormOptions options, Action<BatchNorm> load) = ReadBatchNorm(ref cursor, width, i);
                    builder.BatchNorm(options);
                    loaders.Add(layer => load(((BatchNormLayer)layer).BatchNorm));
                    break;
                case LayerKind.Relu:
                    cursor.Count($"the width of layer {i}", width, width);
                    builder.Relu();
                    loaders.Add(_ => { });
                    break;
                case LayerKind.Dropout:
                    cursor.Count($"the width of layer {i}", width, width);
                    double rate = cursor.Double($"the rate of layer {i}");
                    if (!(rate >= 0 && rate < 1))
                    {
                        throw cursor.Invalid($"layer {i}: dropout rate {rate} is outside [0, 1).");
                    }

                    builder.Dropout(rate);
                    loaders.Add(_ => { });
                    break;
                default:
                    throw cursor.Invalid($"layer {i} has unknown kind {kind}.");
            }
        }

        if (cursor.Remaining != 0)
        {
            throw cursor.Invalid($"{cursor.Remaining} unexpected bytes after the last layer.");
        }

        Sequential model = builder.Build(maxBatch);
        try
        {
            for (int i = 0; i < layerCount; i++)
            {
                loaders[i](model.Layers[i]);
            }
        }
        catch (ArgumentException e)
        {
            throw new DataFormatException($"{source}: {e.Message}", e);
        }

        return model;
    }

    private static void WriteBatchNorm(BinaryWriter writer, BatchNorm batchNorm)
    {
        BatchNormOptions options = batchNorm.Options;
        BatchNormConventions conventions = options.Conventions;
        writer.Write(batchNorm.Channels);
        writer.Write(conventions.Momentum);
        writer.Write((byte)conventions.MomentumConvention);
        writer.Write(conventions.Epsilon);
        writer.Write((byte)conventions.RunningVariance);
        writer.Write((byte)options.SingleValue);
        writer.Write((byte)options.NonFinite);
        BatchRenormalization? renormalization = options.Renormalization;
        writer.Write((byte)(renormalization is null ? 0 : 1));
        if (renormalization is not null)
        {
            writer.Write(renormalization.RMaxStart);
            writer.Write(renormalization.RMaxEnd);
            writer.Write(renormalization.DMaxStart);
            writer.Write(renormalization.DMaxEnd);
            writer.Write(renormalization.RampStart);
            writer.Write(renormalization.RMaxRampEnd);
            writer.Write(renormalization.DMaxRampEnd);
        }

        writer.Write(MemoryMarshal.AsBytes(batchNorm.Gamma));
        writer.Write(MemoryMarshal.AsBytes(batchNorm.Beta));
        writer.Write(MemoryMarshal.AsBytes(batchNorm.RunningMean));
        writer.Write(MemoryMarshal.AsBytes(batchNorm.RunningVariance));
        writer.Write(batchNorm.BatchesTracked);
        writer.Write(batchNorm.PopulationCount);
        if (batchNorm.HasPopulationStatistics)
        {
            writer.Write(MemoryMarshal.AsBytes(batchNorm.PopulationMean));
            writer.Write(MemoryMarshal.AsBytes(batchNorm.PopulationVariance));
        }
    }

    private static (BatchNormOptions Options, Action<BatchNorm> Load) ReadBatchNorm(ref BinaryCursor cursor, int width, int index)
    {
        string at = $"layer {index}";
        int channels = cursor.Count($"the channels of {at}", width, width);
        double momentum = cursor.Double($"the momentum of {at}");
        var momentumConvention = (MomentumConvention)cursor.Byte($"the momentum convention of {at}");
        double epsilon = cursor.Double($"the epsilon of {at}");
        var varianceConvention = (RunningVarianceConvention)cursor.Byte($"the running-variance convention of {at}");
        var singleValue = (SingleValuePolicy)cursor.Byte($"the single-value policy of {at}");
        var nonFinite = (NonFinitePolicy)cursor.Byte($"the non-finite policy of {at}");
        byte hasRenormalization = cursor.Byte($"the renormalization flag of {at}");
        double[] renormalization = [];
        long[] ramp = [];
        if (hasRenormalization == 1)
        {
            renormalization = [cursor.Double("rmax start"), cursor.Double("rmax end"), cursor.Double("dmax start"), cursor.Double("dmax end")];
            ramp = [cursor.Int64("ramp start"), cursor.Int64("rmax ramp end"), cursor.Int64("dmax ramp end")];
        }
        else if (hasRenormalization != 0)
        {
            throw cursor.Invalid($"{at}: renormalization flag {hasRenormalization} is not 0 or 1.");
        }

        float[] gamma = cursor.Floats(channels, $"gamma of {at}");
        float[] beta = cursor.Floats(channels, $"beta of {at}");
        double[] runningMean = cursor.Doubles(channels, $"the running mean of {at}");
        double[] runningVariance = cursor.Doubles(channels, $"the running variance of {at}");
        long batchesTracked = cursor.Int64($"the batch count of {at}");
        long populationCount = cursor.Int64($"the population count of {at}");
        if (populationCount < 0)
        {
            throw cursor.Invalid($"{at}: population count {populationCount} is negative.");
        }

        double[] populationMean = populationCount > 0 ? cursor.Doubles(channels, $"the population mean of {at}") : [];
        double[] populationVariance = populationCount > 0 ? cursor.Doubles(channels, $"the population variance of {at}") : [];

        BatchNormOptions options;
        try
        {
            options = new BatchNormOptions
            {
                Conventions = new BatchNormConventions(momentum, momentumConvention, epsilon, varianceConvention),
                SingleValue = singleValue,
                NonFinite = nonFinite,
                Renormalization = hasRenormalization == 0 ? null
                    : renormalization[0] == renormalization[1] && renormalization[2] == renormalization[3]
                        ? BatchRenormalization.Fixed(renormalization[1], renormalization[3])
                        : BatchRenormalization.Schedule(renormalization[1], renormalization[3], ramp[0], ramp[1], ramp[2]),
            };
        }
        catch (ArgumentException e)
        {
            throw cursor.Invalid($"{at}: {e.Message}");
        }

        return (options, batchNorm =>
        {
            batchNorm.SetParameters(gamma, beta);
            batchNorm.SetRunningStatistics(runningMean, runningVariance, batchesTracked);
            if (populationCount > 0)
            {
                batchNorm.SetPopulationStatistics(populationMean, populationVariance, populationCount);
            }
        });
    }
}
