using System.Buffers.Binary;
using System.Globalization;

namespace NativeBn.Data;

/// <summary>
/// Reads NumPy <c>.npy</c> files (format versions 1.0, 2.0 and 3.0, as <c>np.save</c> writes them): features from a
/// C-ordered little-endian float32 (<c>'&lt;f4'</c>) or float64 (<c>'&lt;f8'</c>, rounded to float) array
/// <c>[N, ...]</c>, labels from a 1-d little-endian integer array (<c>'&lt;i8'</c>, <c>'&lt;i4'</c> or <c>'|u1'</c>).
/// Feature values must be finite (as in CSV files) and float64 values within the float range; labels are class indices
/// from 0 to <see cref="CsvReader.MaxClasses"/> - 1. The declared shape must account for every byte after the header:
/// it is checked in 64-bit arithmetic against the file's length before anything is allocated, so the reader allocates
/// at most about the size of the file.
/// </summary>
public static class NpyReader
{
    private const string FeatureTypes = "'<f4' (float32) or '<f8' (float64)";
    private const string LabelTypes = "'<i8' (int64), '<i4' (int32) or '|u1' (uint8)";

    /// <summary>Reads a features file (see <see cref="ParseFeatures"/>).</summary>
    /// <exception cref="DataFormatException">The file cannot be read or is not an accepted .npy array.</exception>
    public static NpyFeatures ReadFeatures(string path) => ParseFeatures(ReadBytes(path), path);

    /// <summary>Reads a labels file (see <see cref="ParseLabels"/>).</summary>
    /// <exception cref="DataFormatException">The file cannot be read or is not an accepted .npy array.</exception>
    public static int[] ReadLabels(string path) => ParseLabels(ReadBytes(path), path);

    /// <summary>
    /// Reads a features file and a labels file with one label per sample into a labeled dataset whose classes are the
    /// largest label + 1 (at least 2).
    /// </summary>
    /// <exception cref="DataFormatException">Either file is unreadable or not accepted, or the counts differ.</exception>
    public static NpyFeatures Read(string featuresPath, string labelsPath)
    {
        NpyFeatures features = ReadFeatures(featuresPath);
        int[] labels = ReadLabels(labelsPath);
        if (labels.Length != features.Data.Count)
        {
            throw new DataFormatException($"{featuresPath} holds {features.Data.Count} samples but {labelsPath} holds {labels.Length} labels.");
        }

        int classes = Math.Max(labels.Max() + 1, 2);
        return new NpyFeatures(features.Data.WithLabels(labels, classes), features.Shape);
    }

    /// <summary>
    /// Parses the bytes of a features file: an array <c>[N, d1, ..., dk]</c> (k ≥ 0, every dimension at least 1) of
    /// <c>'&lt;f4'</c> or <c>'&lt;f8'</c> in C order; <paramref name="source"/> names it in errors.
    /// </summary>
    /// <exception cref="DataFormatException">The bytes are not such an array, or a value is not finite or outside the float range.</exception>
    public static NpyFeatures ParseFeatures(ReadOnlySpan<byte> content, string source)
    {
        NpyHeader header = NpyHeader.Parse(content, source);
        int itemSize = header.Descr switch
        {
            "<f4" => 4,
            "<f8" => 8,
            _ => throw WrongType(header, source, FeatureTypes, "features"),
        };
        ReadOnlySpan<byte> data = Data(content, header, itemSize, source);
        long[] shape = header.Shape;
        int width = (int)(data.Length / itemSize / shape[0]);
        var values = new float[data.Length / itemSize];
        for (int i = 0; i < values.Length; i++)
        {
            double value = itemSize == 4
                ? BinaryPrimitives.ReadSingleLittleEndian(data[(4 * i)..])
                : BinaryPrimitives.ReadDoubleLittleEndian(data[(8 * i)..]);
            values[i] = (float)value;
            if (!double.IsFinite(value))
            {
                throw new DataFormatException(string.Create(CultureInfo.InvariantCulture, $"{source}: value {i} (sample {i / width}) is {value}; features must be finite."));
            }

            if (!float.IsFinite(values[i]))
            {
                throw new DataFormatException(
                    string.Create(CultureInfo.InvariantCulture, $"{source}: value {i} (sample {i / width}) is {value:R}, outside the float32 range (±{float.MaxValue:R})."));
            }
        }

        return new NpyFeatures(Dataset.Unlabeled(values, width), [.. shape.Select(d => (int)d)]);
    }

    /// <summary>
    /// Parses the bytes of a labels file: a 1-d array <c>[N]</c> (N ≥ 1) of <c>'&lt;i8'</c>, <c>'&lt;i4'</c> or
    /// <c>'|u1'</c> class indices; <paramref name="source"/> names it in errors.
    /// </summary>
    /// <exception cref="DataFormatException">The bytes are not such an array, or a label is not a class index.</exception>
    public static int[] ParseLabels(ReadOnlySpan<byte> content, string source)
    {
        NpyHeader header = NpyHeader.Parse(content, source);
        int itemSize = header.Descr switch
        {
            "<i8" => 8,
            "<i4" => 4,
            "|u1" => 1,
            _ => throw WrongType(header, source, LabelTypes, "labels"),
        };
        if (header.Shape.Length != 1)
        {
            throw new DataFormatException($"{source}: labels are a 1-d array [N]; the file holds {header.ShapeText}.");
        }

        ReadOnlySpan<byte> data = Data(content, header, itemSize, source);
        var labels = new int[data.Length / itemSize];
        for (int i = 0; i < labels.Length; i++)
        {
            long label = itemSize switch
            {
                8 => BinaryPrimitives.ReadInt64LittleEndian(data[(8 * i)..]),
                4 => BinaryPrimitives.ReadInt32LittleEndian(data[(4 * i)..]),
                _ => data[i],
            };
            if (label is < 0 or >= CsvReader.MaxClasses)
            {
                throw new DataFormatException($"{source}: label {i} is {label}; labels are class indices from 0 to {CsvReader.MaxClasses - 1}.");
            }

            labels[i] = (int)label;
        }

        return labels;
    }

    private static byte[] ReadBytes(string path)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataFormatException($"Cannot read {path}: {e.Message}", e);
        }
    }

    /// <summary>
    /// The data bytes after the header, after checking that the array is C-ordered, has samples, and that its shape
    /// accounts for exactly these bytes (64-bit arithmetic that stops as soon as the product exceeds them).
    /// </summary>
    private static ReadOnlySpan<byte> Data(ReadOnlySpan<byte> content, NpyHeader header, int itemSize, string source)
    {
        if (header.FortranOrder)
        {
            throw new DataFormatException(
                $"{source} stores its {header.ShapeText} array in Fortran (column-major) order; NativeBn reads C order: save np.ascontiguousarray(x).");
        }

        long[] shape = header.Shape;
        if (shape.Length == 0)
        {
            throw new DataFormatException($"{source} holds a 0-d array (a single value); expected an array [N, ...] of N samples.");
        }

        if (shape[0] == 0)
        {
            throw new DataFormatException($"{source} holds no samples (shape {header.ShapeText}).");
        }

        if (shape.Contains(0))
        {
            throw new DataFormatException($"{source}: the samples hold no values (shape {header.ShapeText}).");
        }

        long available = content.Length - header.DataOffset;
        long needed = itemSize;
        foreach (long dimension in shape)
        {
            if (dimension > available / needed)
            {
                throw new DataFormatException(
                    $"{source}: the shape {header.ShapeText} of {itemSize}-byte values needs more bytes than the {available} that follow the header.");
            }

            needed *= dimension;
        }

        if (needed != available)
        {
            throw new DataFormatException(
                $"{source}: {available - needed} bytes follow the {needed} bytes of data that the shape {header.ShapeText} of {itemSize}-byte values declares.");
        }

        return content[header.DataOffset..];
    }

    private static DataFormatException WrongType(NpyHeader header, string source, string accepted, string what)
    {
        bool bigEndian = header.Descr.StartsWith('>');
        string little = bigEndian ? "<" + header.Descr[1..] : "";
        return new DataFormatException(bigEndian && accepted.Contains($"'{little}'", StringComparison.Ordinal)
            ? $"{source} holds big-endian '{header.Descr}' values; NativeBn reads little-endian {what}: save x.astype('{little}')."
            : $"{source} holds dtype '{header.Descr}'{(bigEndian ? " (big-endian)" : "")}; {what} must be {accepted}.");
    }
}
