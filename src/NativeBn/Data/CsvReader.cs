using System.Globalization;

namespace NativeBn.Data;

/// <summary>
/// Reads feature rows from CSV: comma-separated invariant-culture numbers, one sample per line, blank lines
/// ignored, optionally a header line (skipped when its first field is not a number). Every row must have the
/// same number of fields and finite values.
/// </summary>
public static class CsvReader
{
    /// <summary>Reads rows of features; with <paramref name="labelColumn"/> = true the first field is an integer label.</summary>
    public static (float[] Features, int[] Labels, int Width) Read(TextReader reader, string source, bool labelColumn)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var features = new List<float>();
        var labels = new List<int>();
        int width = -1;
        int lineNumber = 0;
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            string[] fields = line.Split(',');
            if (width < 0 && features.Count == 0 && labels.Count == 0 && !double.TryParse(fields[0], NumberStyles.Float, CultureInfo.InvariantCulture, out _))
            {
                continue;
            }

            int rowWidth = fields.Length - (labelColumn ? 1 : 0);
            if (rowWidth < 1)
            {
                throw new DataFormatException($"{source}:{lineNumber}: the row has no features.");
            }

            if (width >= 0 && rowWidth != width)
            {
                throw new DataFormatException($"{source}:{lineNumber}: the row has {rowWidth} features; earlier rows have {width}.");
            }

            width = rowWidth;
            if (labelColumn)
            {
                if (!int.TryParse(fields[0].Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int label) || label < 0)
                {
                    throw new DataFormatException($"{source}:{lineNumber}: the label '{fields[0].Trim()}' is not a non-negative integer.");
                }

                labels.Add(label);
            }

            for (int i = labelColumn ? 1 : 0; i < fields.Length; i++)
            {
                string field = fields[i].Trim();
                if (!float.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out float value))
                {
                    throw new DataFormatException($"{source}:{lineNumber}, field {i + 1}: '{field}' is not a number.");
                }

                if (!float.IsFinite(value))
                {
                    throw new DataFormatException($"{source}:{lineNumber}, field {i + 1}: {field} is not finite.");
                }

                features.Add(value);
            }
        }

        if (width < 0)
        {
            throw new DataFormatException($"{source} holds no rows.");
        }

        return ([.. features], [.. labels], width);
    }

    /// <summary>Reads a CSV file of features (and labels in the first column when <paramref name="labelColumn"/>).</summary>
    public static (float[] Features, int[] Labels, int Width) ReadFile(string path, bool labelColumn)
    {
        try
        {
            using var reader = new StreamReader(path);
            return Read(reader, path, labelColumn);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataFormatException($"Cannot read {path}: {e.Message}", e);
        }
    }
}
