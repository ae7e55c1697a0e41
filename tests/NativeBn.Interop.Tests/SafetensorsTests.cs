using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using NativeBn.Data;
using NativeBn.Interop.Safetensors;
using NativeBn.Network;
using NativeBn.Normalization;

namespace NativeBn.Interop.Tests;

public class SafetensorsTests
{
    [Theory]
    [InlineData(SafetensorsNaming.PyTorch)]
    [InlineData(SafetensorsNaming.Keras)]
    /// <summary>
    /// The file reads back bit for bit (exporting the loaded model gives the same bytes); predictions agree to float
    /// rounding because the engine keeps statistics in double and the file stores them as F32.
    /// </summary>
    public void ExportedFilesReadBackBitwiseAndPredictTheSame(SafetensorsNaming naming)
    {
        Sequential model = ModelFactory.Trained(naming == SafetensorsNaming.PyTorch ? BatchNormConventions.PyTorch : BatchNormConventions.Keras, dropout: 0.2);
        byte[] file = SafetensorsModels.Export(model.ToDescription(), naming);

        var loaded = new Sequential(SafetensorsModels.Import(file, "model.safetensors"), 16);

        Assert.Equal(file, SafetensorsModels.Export(loaded.ToDescription(), naming));
        Assert.Equal(model.Layers.Select(l => l.Kind), loaded.Layers.Select(l => l.Kind));
        BatchNorm original = ((BatchNormLayer)model.Layers[2]).BatchNorm, copy = ((BatchNormLayer)loaded.Layers[2]).BatchNorm;
        Assert.Equal(original.Options.Conventions, copy.Options.Conventions);
        if (naming == SafetensorsNaming.PyTorch)
        {
            Assert.Equal(original.BatchesTracked, copy.BatchesTracked);
        }

        float[] samples = ModelFactory.Samples(10, 5);
        var a = new float[4];
        var b = new float[4];
        for (int i = 0; i < 10; i++)
        {
            model.Predict(samples.AsSpan(i * 6, 6), a);
            loaded.Predict(samples.AsSpan(i * 6, 6), b);
            for (int k = 0; k < 4; k++)
            {
                Assert.Equal(a[k], b[k], 1e-6f);
            }
        }
    }

    [Fact]
    public void PyTorchFileFollowsTheFormatAndStateDictNaming()
    {
        Sequential model = ModelFactory.Trained(BatchNormConventions.PyTorch);
        byte[] file = SafetensorsModels.Export(model.ToDescription());

        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(file);
        Assert.Equal(0UL, (8 + headerLength) % 8);
        using JsonDocument header = JsonDocument.Parse(Encoding.UTF8.GetString(file, 8, (int)headerLength));
        string[] names = [.. header.RootElement.EnumerateObject().Select(p => p.Name).Where(n => n != "__metadata__")];
        Assert.Equal(["0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var", "1.num_batches_tracked", "3.weight", "3.bias"], names);
        long expectedOffset = 0;
        foreach (string name in names)
        {
            JsonElement entry = header.RootElement.GetProperty(name);
            long[] offsets = [.. entry.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64())];
            Assert.Equal(expectedOffset, offsets[0]);
            expectedOffset = offsets[1];
        }

        Assert.Equal(file.Length - 8 - (long)headerLength, expectedOffset);
        JsonElement weight = header.RootElement.GetProperty("0.weight");
        Assert.Equal("F32", weight.GetProperty("dtype").GetString());
        Assert.Equal([5L, 6L], weight.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()));
        long begin = weight.GetProperty("data_offsets")[0].GetInt64();
        ReadOnlySpan<byte> bytes = file.AsSpan(8 + (int)headerLength + (int)begin, 30 * 4);
        Assert.Equal(((DenseLayer)model.Layers[0]).Weight.ToArray(), MemoryMarshal.Cast<byte, float>(bytes).ToArray());
        JsonElement tracked = header.RootElement.GetProperty("1.num_batches_tracked");
        Assert.Equal("I64", tracked.GetProperty("dtype").GetString());
        Assert.Equal(0, tracked.GetProperty("shape").GetArrayLength());
        JsonElement metadata = header.RootElement.GetProperty("__metadata__");
        Assert.Equal("dense,batchnorm,relu,dense", metadata.GetProperty("nativebn.layers").GetString());
        Assert.Equal("0.1", metadata.GetProperty("nativebn.1.momentum").GetString());
        Assert.Equal("unbiased", metadata.GetProperty("nativebn.1.running_variance").GetString());
    }

    [Fact]
    public void KerasNamingTransposesKernelsAndStatesMomentumAsDecay()
    {
        Sequential model = ModelFactory.Trained(BatchNormConventions.PyTorch);
        var (tensors, metadata) = SafetensorsFile.Read(SafetensorsModels.Export(model.ToDescription(), SafetensorsNaming.Keras), "k");

        SafetensorsTensor kernel = tensors["dense.kernel"];
        Assert.Equal([6L, 5L], kernel.Shape);
        float[] values = MemoryMarshal.Cast<byte, float>(kernel.Data).ToArray();
        var dense = (DenseLayer)model.Layers[0];
        for (int o = 0; o < 5; o++)
        {
            for (int i = 0; i < 6; i++)
            {
                Assert.Equal(dense.Weight[o * 6 + i], values[i * 5 + o]);
            }
        }

        Assert.Contains("batch_normalization.moving_variance", tensors.Keys);
        Assert.Contains("dense_1.kernel", tensors.Keys);
        Assert.Equal("0.9", metadata["nativebn.batch_normalization.momentum"]);
    }

    [Fact]
    public void FilesWithoutArchitectureMetadataAreInferred()
    {
        Sequential model = ModelFactory.Trained(BatchNormConventions.PyTorch);
        foreach (SafetensorsNaming naming in new[] { SafetensorsNaming.PyTorch, SafetensorsNaming.Keras })
        {
            var (tensors, _) = SafetensorsFile.Read(SafetensorsModels.Export(model.ToDescription(), naming), "x");
            byte[] bare = SafetensorsFile.Write(tensors);

            var loaded = new Sequential(SafetensorsModels.Import(bare, "bare"), 16);

            Assert.Equal(model.Layers.Select(l => l.Kind), loaded.Layers.Select(l => l.Kind));
            BatchNorm copy = ((BatchNormLayer)loaded.Layers[1]).BatchNorm;
            Assert.Equal(naming == SafetensorsNaming.PyTorch ? BatchNormConventions.PyTorch : BatchNormConventions.Keras, copy.Options.Conventions);
        }
    }

    public static TheoryData<string, string> BrokenHeaders() => new()
    {
        { """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}""", "needs 8" },
        { """{"a":{"dtype":"Q7","shape":[1],"data_offsets":[0,4]}}""", "unknown dtype 'Q7'" },
        { """{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", "belong to no tensor" },
        { """{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[2,6]}}""", "inside the previous tensor" },
        { """{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}""", "truncated" },
        { """{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}""", "not a non-negative integer" },
        { """[1,2,3]""", "not a JSON object" },
        { """{"a":""", "not valid JSON" },
    };

    [Theory]
    [MemberData(nameof(BrokenHeaders))]
    public void BrokenFilesGiveClearErrors(string header, string message)
    {
        byte[] json = Encoding.UTF8.GetBytes(header);
        byte[] file = [.. BitConverter.GetBytes((ulong)json.Length), .. json, 1, 2, 3, 4];
        var error = Assert.Throws<DataFormatException>(() => SafetensorsFile.Read(file, "broken.safetensors"));
        Assert.Contains(message, error.Message);
        Assert.StartsWith("broken.safetensors", error.Message);
    }

    [Fact]
    public void HeaderLongerThanTheFileIsRejected()
    {
        byte[] file = [.. BitConverter.GetBytes(1000UL), .. "{}"u8];
        Assert.Contains("header claims 1000 bytes", Assert.Throws<DataFormatException>(() => SafetensorsFile.Read(file, "f")).Message);
        Assert.Contains("8-byte header length", Assert.Throws<DataFormatException>(() => SafetensorsFile.Read(new byte[3], "f")).Message);
    }
}
