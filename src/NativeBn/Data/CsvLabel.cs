namespace NativeBn.Data;

/// <summary>Where the class label of a CSV row is: nowhere, in the first column, or in a column named in the header.</summary>
public readonly record struct CsvLabel
{
    private CsvLabel(bool present, string? column)
    {
        Present = present;
        Column = column;
    }

    /// <summary>Rows hold only features.</summary>
    public static CsvLabel None => default;

    /// <summary>The first field of each row is the label.</summary>
    public static CsvLabel First => new(true, null);

    /// <summary>The label is the column named <paramref name="column"/> in the header row, which is then required.</summary>
    public static CsvLabel Named(string column)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(column);
        return new CsvLabel(true, column);
    }

    /// <summary>True when rows hold a label.</summary>
    public bool Present { get; }

    /// <summary>The label column's header name, or null for the first column.</summary>
    public string? Column { get; }
}
