namespace NativeBn.Data;

/// <summary>The rows of a CSV file.</summary>
/// <param name="Features">Features <c>[rows, Width]</c>, row-major.</param>
/// <param name="Labels">One class label per row, or empty when the rows hold no labels.</param>
/// <param name="Width">Features per row.</param>
/// <param name="Header">The header row's column names (label column included), or null when the file has none.</param>
public sealed record CsvTable(float[] Features, int[] Labels, int Width, IReadOnlyList<string>? Header)
{
    /// <summary>Rows read.</summary>
    public int Rows => Features.Length / Width;
}
