using System.Buffers.Binary;
using NativeBn.Data;
using NativeBn.Network;
using NativeBn.Normalization;
using NativeBn.Serialization;
using NativeBn.Tests.Network;

namespace NativeBn.Tests.Serialization;

public class ModelFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("nativebn-models").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static Sequential TrainedModel()
    {
        var options = new BatchNormOptions
        {
            MaxThreads = 1,
            Conventions = BatchNormConventions.Keras,
            NonFinite = NonFinitePolicy.SkipUpdate,
            Renormalization = BatchRenormalization.Schedule(2.5, 4, 10, 100, 50),
        };
        Sequential model = ModelFactory.Small(seed: 4, maxBatch: 16, dropout: 0.25, options: options);
        var (x, labels) = ModelFactory.Batch(16, 5, 3, seed: 5);
        for (int i = 0; i < 5; i++)
        {
            model.TrainStep(x, labels, new Adam(0.01));
        }

        PopulationRecalibration.Run(model, new Dataset(x, labels, 5, 3));
        return model;
    }

    [Fact]
    public void SaveAndLoadRoundTripBitwise()
    {
        Sequential model = TrainedModel();
        string path = Path.Combine(_folder, "model.nbm");

        ModelFile.Save(model.ToDescription(), path);
        Sequential loaded = new(ModelFile.Load(path), maxBatch: 16);

        Assert.Equal(ModelFile.Serialize(model.ToDescription()), ModelFile.Serialize(loaded.ToDescription()));
        Assert.Equal(model.Layers.Select(l => l.Kind), loaded.Layers.Select(l => l.Kind));
        BatchNorm original = ((BatchNormLayer)model.Layers[2]).BatchNorm, copy = ((BatchNormLayer)loaded.Layers[2]).BatchNorm;
        Assertions.BitwiseEqual(original.RunningVariance, copy.RunningVariance, "running variance");
        Assertions.BitwiseEqual(original.PopulationMean, copy.PopulationMean, "population mean");
        Assert.Equal(original.Options.Conventions, copy.Options.Conventions);
        Assert.Equal(original.Options.Renormalization!.ToString(), copy.Options.Renormalization!.ToString());
        Assert.Equal(original.BatchesTracked, copy.BatchesTracked);
        Assert.Equal(0.25, ((DropoutLayer)loaded.Layers[1]).Rate);
        var (samples, _) = ModelFactory.Batch(10, 5, 3, seed: 6);
        var a = new float[3];
        var b = new float[3];
        foreach (InferenceRegime regime in new[] { InferenceRegime.Running, InferenceRegime.Population, InferenceRegime.Folded })
        {
            for (int i = 0; i < 10; i++)
            {
                model.Predict(samples.AsSpan(i * 5, 5), a, regime);
                loaded.Predict(samples.AsSpan(i * 5, 5), b, regime);
                Assertions.BitwiseEqual(a, b, $"{regime} prediction");
            }
        }

        Assert.Single(Directory.GetFiles(_folder));
    }

    [Fact]
    public void EveryTruncationIsRejected()
    {
        byte[] content = ModelFile.Serialize(TrainedModel().ToDescription());
        for (int length = 0; length < content.Length; length++)
        {
            Assert.Throws<DataFormatException>(() => ModelFile.Deserialize(content.AsSpan(0, length), "truncated"));
        }
    }

    [Fact]
    public void RandomCorruptionIsAlwaysDetected()
    {
        byte[] content = ModelFile.Serialize(TrainedModel().ToDescription());
        var random = new Random(12);
        for (int trial = 0; trial < 3000; trial++)
        {
            byte[] mutated = (byte[])content.Clone();
            int flips = random.Next(1, 4);
            for (int f = 0; f < flips; f++)
            {
                mutated[random.Next(mutated.Length)] ^= (byte)random.Next(1, 256);
            }

            if (!mutated.AsSpan().SequenceEqual(content))
            {
                var error = Assert.Throws<DataFormatException>(() => ModelFile.Deserialize(mutated, "mutated"));
                Assert.StartsWith("mutated", error.Message);
            }
        }
    }

    [Fact]
    public void StructurallyInvalidFilesWithValidChecksumsAreRejectedWithTheReason()
    {
        Sequential model = TrainedModel();
        byte[] content = ModelFile.Serialize(model.ToDescription());
        Assert.Contains("not a NativeBn model file", Assert.Throws<DataFormatException>(() => ModelFile.Deserialize("NOTAMODEL-----"u8, "x")).Message);

        byte[] future = WithChecksum(content, bytes => BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8), 99));
        Assert.Contains("format version 99", Assert.Throws<DataFormatException>(() => ModelFile.Deserialize(future, "x")).Message);

        // magic, version, input count, the input's name ("input"), its rank and two dimensions, the node count: then the first node's kind.
        int firstNodeKind = 8 + 4 + 4 + (4 + 5) + 4 + 2 * 4 + 4;
        byte[] badKind = WithChecksum(content, bytes => bytes[firstNodeKind] = 77);
        Assert.Contains("unknown kind 77", Assert.Throws<DataFormatException>(() => ModelFile.Deserialize(badKind, "x")).Message);

        byte[] longer = WithChecksum([.. content[..^4], 1, 2, 3, 0, 0, 0, 0], _ => { });
        Assert.Contains("unexpected bytes", Assert.Throws<DataFormatException>(() => ModelFile.Deserialize(longer, "x")).Message);

        int gammaOffset = content.AsSpan().IndexOf(System.Runtime.InteropServices.MemoryMarshal.AsBytes(((BatchNormLayer)model.Layers[2]).BatchNorm.Gamma));
        Assert.True(gammaOffset > 0);
        byte[] nanGamma = WithChecksum(content, bytes => BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(gammaOffset), float.NaN));
        Assert.Contains("gamma", Assert.Throws<DataFormatException>(() => ModelFile.Deserialize(nanGamma, "x")).Message);
    }

    [Fact]
    public void MissingFileIsADataFormatError()
    {
        var error = Assert.Throws<DataFormatException>(() => ModelFile.Load(Path.Combine(_folder, "absent.nbm")));
        Assert.Contains("Cannot read model file", error.Message);
    }

    /// <summary>Applies an edit to the content (without its checksum) and appends a fresh checksum.</summary>
    private static byte[] WithChecksum(byte[] content, Action<byte[]> edit)
    {
        byte[] body = content[..^4];
        edit(body);
        var crc = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(crc, Crc32.Compute(body));
        return [.. body, .. crc];
    }
}
