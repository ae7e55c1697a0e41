using System.Globalization;

namespace NativeBn.Data;

/// <summary>
/// Reads feature rows from CSV: comma-separated invariant-culture numbers, one sample per line, blank lines ignored.
/// The first line is a header when none of its fields is a number; a line that mixes names and numbers is an error,
/// never a silently skipped row. Every row must have the same number of fields and finite values; labels are class
/// indices from 0 to <see cref="MaxClasses"/> - 1.
/// </summary>
public static class CsvReader
{
    /// <summary>Most classes a label column may hold.</summary>
    public const int MaxClasses = 100_000;

    /// <summary>Reads rows of features, and labels where <paramref name="label"/> says.</summary>
    /// <returns>Features <c>[rows, Width]</c> row-major, one label per row (empty without labels), the features per row and the header (null without one).</returns>
    public static CsvTable Read(TextReader reader, string source, CsvLabel label)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var features = new List<float>();
        var labels = new List<int>();
        string[]? header = null;
        int labelIndex = label.Present && label.Column is null ? 0 : -1;
        int fieldCount = -1;
        int lineNumber = 0;
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            if (fieldCount < 0)
            {
                string[] fields = [.. line.Split(',').Select(f => f.Trim())];
                if (fields.Length == 1 && line.Contains(';', StringComparison.Ordinal))
                {
                    throw new DataFormatException($"{source}:{lineNumber}: the fields are separated by ';'; NativeBn reads comma-separated values.");
                }

                fieldCount = fields.Length;
                if (fields.All(f => !IsNumber(f)))
                {
                    header = fields;
                    labelIndex = LabelIndex(label, header, source);
                    continue;
                }

                if (label.Column is not null)
                {
                    throw new DataFormatException(
                        $"{source}:{lineNumber}: the label column '{label.Column}' is named, so the file needs a header row naming its columns; the first row holds numbers.");
                }
            }

            ReadRow(line.AsSpan(), fieldCount, labelIndex, header, source, lineNumber, features, labels);
        }

        if (labels.Count == 0 && features.Count == 0)
        {
            throw new DataFormatException($"{source} holds no rows{(header is null ? "" : " after its header")}.");
        }

        return new CsvTable([.. features], [.. labels], fieldCount - (labelIndex >= 0 ? 1 : 0), header);
    }

    /// <summary>Reads a CSV file (see <see cref="Read"/>).</summary>
    public static CsvTable ReadFile(string path, CsvLabel label)
    {
        try
        {
            using var reader = new StreamReader(path);
            return Read(reader, path, label);
        }
        catch (Exception e) when (e is (IOException and not DataFormatException) or UnauthorizedAccessException)
        {
            throw new DataFormatException($"Cannot read {path}: {e.Message}", e);
        }
    }

    /// <summary>One data row: its fields parsed in place (no string per field), labels and features appended.</summary>
    private static void ReadRow(
        ReadOnlySpan<char> line, int fieldCount, int labelIndex, string[]? header, string source, int lineNumber, List<float> features, List<int> labels)
    {
        int count = line.Count(',') + 1;
        if (count != fieldCount)
        {
            throw new DataFormatException($"{source}:{lineNumber}: the row has {count} fields; {(header is null ? "earlier rows have" : "the header names")} {fieldCount}.");
        }

        if (fieldCount - (labelIndex >= 0 ? 1 : 0) < 1)
        {
            throw new DataFormatException($"{source}:{lineNumber}: the row has no features.");
        }

        int i = 0;
        foreach (Range range in line.Split(','))
        {
            ReadOnlySpan<char> field = line[range].Trim();
            if (i == labelIndex)
            {
                labels.Add(Label(field, source, lineNumber, i, header));
            }
            else if (!float.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out float value))
            {
                throw new DataFormatException($"{source}:{lineNumber}, field {i + 1}{Named(header, i)}: '{field}' is not a number.");
            }
            else if (!float.IsFinite(value))
            {
                throw new DataFormatException($"{source}:{lineNumber}, field {i + 1}{Named(header, i)}: {field} is not finite.");
            }
            else
            {
                features.Add(value);
            }

            i++;
        }
    }

    private static bool IsNumber(string field) => double.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out _);

    private static int LabelIndex(CsvLabel label, string[] header, string source)
    {
        if (label.Column is null)
        {
            return label.Present ? 0 : -1;
        }

        int index = Array.IndexOf(header, label.Column);
        return index >= 0
            ? index
            : throw new DataFormatException($"{source}: the header has no column '{label.Column}'; its columns are {string.Join(", ", header.Select(h => $"'{h}'"))}.");
    }

    private static int Label(ReadOnlySpan<char> field, string source, int lineNumber, int index, string[]? header) =>
        int.TryParse(field, NumberStyles.Integer, CultureInfo.InvariantCulture, out int label) && label >= 0 && label < MaxClasses
            ? label
            : throw new DataFormatException(
                $"{source}:{lineNumber}, field {index + 1}{Named(header, index)}: the label '{field}' is not a class index from 0 to {MaxClasses - 1}.");

    private static string Named(string[]? header, int index) => header is null ? "" : $" ('{header[index]}')";
}
