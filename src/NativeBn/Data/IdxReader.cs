using System.Buffers.Binary;
using System.IO.Compression;

namespace NativeBn.Data;

/// <summary>
/// Reads the IDX files of MNIST and Fashion-MNIST (plain or gzip-compressed, detected from the content): a magic
/// number <c>00 00 type dims</c> (type 0x08 = unsigned byte), big-endian 32-bit sizes, then the values.
/// Images become floats <c>pixel/255</c> in [0, 1].
/// </summary>
public static class IdxReader
{
    /// <summary>Reads an image file (<c>[count, rows, cols]</c>) and a label file (<c>[count]</c>) into a dataset of 10 classes.</summary>
    public static Dataset Read(string imagesPath, string labelsPath) => ReadSized(imagesPath, labelsPath).Data;

    /// <summary>Reads an image file (<c>[count, rows, cols]</c>) into unlabeled samples of rows·cols features.</summary>
    public static Dataset ReadImages(string imagesPath) => ReadSized(imagesPath, null).Data;

    /// <summary>
    /// As <see cref="Read"/>, or as <see cref="ReadImages"/> when <paramref name="labelsPath"/> is null, also giving the
    /// size of the images from the file's header (each sample holds rows·columns features, row by row).
    /// </summary>
    public static (Dataset Data, int Rows, int Columns) ReadSized(string imagesPath, string? labelsPath)
    {
        (int[] imageDims, float[] features) = ReadImagesFile(imagesPath);
        int width = imageDims[1] * imageDims[2];
        if (labelsPath is null)
        {
            return (Dataset.Unlabeled(features, width), imageDims[1], imageDims[2]);
        }

        (int[] labelDims, byte[] labelBytes) = ReadFile(labelsPath, expectedDims: 1);
        if (imageDims[0] != labelDims[0])
        {
            throw new DataFormatException($"{imagesPath} holds {imageDims[0]} images but {labelsPath} holds {labelDims[0]} labels.");
        }

        var labels = new int[labelBytes.Length];
        for (int i = 0; i < labels.Length; i++)
        {
            labels[i] = labelBytes[i];
            if (labels[i] > 9)
            {
                throw new DataFormatException($"{labelsPath}: label {i} is {labels[i]}; expected 0-9.");
            }
        }

        return (new Dataset(features, labels, width, 10), imageDims[1], imageDims[2]);
    }

    private static (int[] Dimensions, float[] Features) ReadImagesFile(string path)
    {
        (int[] dims, byte[] pixels) = ReadFile(path, expectedDims: 3);
        if (pixels.Length == 0)
        {
            throw new DataFormatException($"{path} holds no images.");
        }

        var features = new float[pixels.Length];
        for (int i = 0; i < pixels.Length; i++)
        {
            features[i] = pixels[i] / 255f;
        }

        return (dims, features);
    }

    /// <summary>Reads one unsigned-byte IDX file; returns its dimensions and values.</summary>
    public static (int[] Dimensions, byte[] Values) ReadFile(string path, int expectedDims)
    {
        byte[] content;
        try
        {
            content = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataFormatException($"Cannot read {path}: {e.Message}", e);
        }

        return Parse(content, path, expectedDims);
    }

    /// <summary>
    /// Parses the bytes of an IDX file (gzip-compressed or not); <paramref name="source"/> names it in errors. A
    /// compressed file may inflate to at most <see cref="MaxInflation"/> times its size (real IDX files inflate about
    /// 5 times), so a hostile file cannot make the reader allocate without bound.
    /// </summary>
    public static (int[] Dimensions, byte[] Values) Parse(ReadOnlySpan<byte> content, string source, int expectedDims)
    {
        if (content.Length >= 2 && content[0] == 0x1F && content[1] == 0x8B)
        {
            return ParsePlain(Inflate(content.ToArray(), source), source, expectedDims);
        }

        return ParsePlain(content, source, expectedDims);
    }

    /// <summary>Largest ratio of inflated to compressed size accepted.</summary>
    public const int MaxInflation = 16;

    private static byte[] Inflate(byte[] compressed, string source)
    {
        long limit = (long)compressed.Length * MaxInflation;
        try
        {
            using var gzip = new GZipStream(new MemoryStream(compressed), CompressionMode.Decompress);
            using var plain = new MemoryStream();
            var buffer = new byte[81920];
            int read;
            while ((read = gzip.Read(buffer)) > 0)
            {
                if (plain.Length + read > limit)
                {
                    throw new DataFormatException($"{source}: the gzip data inflates to more than {MaxInflation} times its size; IDX files do not.");
                }

                plain.Write(buffer, 0, read);
            }

            return plain.ToArray();
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException($"{source}: corrupt gzip data ({e.Message}).", e);
        }
    }

    private static (int[] Dimensions, byte[] Values) ParsePlain(ReadOnlySpan<byte> content, string path, int expectedDims)
    {
        if (content.Length < 4 || content[0] != 0 || content[1] != 0)
        {
            throw new DataFormatException($"{path} is not an IDX file (the first two bytes must be 0).");
        }

        if (content[2] != 0x08)
        {
            throw new DataFormatException($"{path}: value type 0x{content[2]:X2} is not supported; expected 0x08 (unsigned byte).");
        }

        int dims = content[3];
        if (dims != expectedDims)
        {
            throw new DataFormatException($"{path} has {dims} dimensions; expected {expectedDims}.");
        }

        if (content.Length < 4 + 4 * dims)
        {
            throw new DataFormatException($"{path} is truncated inside its header.");
        }

        var sizes = new int[dims];
        long total = 1;
        for (int d = 0; d < dims; d++)
        {
            sizes[d] = BinaryPrimitives.ReadInt32BigEndian(content[(4 + 4 * d)..]);
            if (sizes[d] <= 0)
            {
                throw new DataFormatException($"{path}: dimension {d} is {sizes[d]}; expected at least 1.");
            }

            total = Math.Min(total * sizes[d], long.MaxValue / int.MaxValue);
        }

        int offset = 4 + 4 * dims;
        if (content.Length - offset != total)
        {
            throw new DataFormatException($"{path} holds {content.Length - offset} values after its header; its dimensions need {total}.");
        }

        return (sizes, content[offset..].ToArray());
    }
}
