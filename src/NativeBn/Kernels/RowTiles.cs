namespace NativeBn.Kernels;

/// <summary>
/// How <see cref="PackedGemm"/> covers a multiplication's rows with register tiles: <see cref="Big"/> tiles of 14
/// rows, then <see cref="Middle"/> tiles of 8, then <see cref="Small"/> tiles of 4 (the last may be partial). Of the
/// two plans with one 14-row tile more or less, the one with the lower estimated cost: a row in a tile of 14 costs 1,
/// in a tile of 8 about 1.05 (fewer accumulators share each load of B) and in a tile of 4 about 1.2, padding rows
/// included. The plan depends only on the number of rows.
/// </summary>
internal readonly struct RowTiles
{
    /// <summary>Rows of a big tile.</summary>
    public const int BigRows = 14;

    /// <summary>Rows of a middle tile.</summary>
    public const int MiddleRows = 8;

    /// <summary>Rows of a small tile.</summary>
    public const int SmallRows = 4;

    public RowTiles(int rows)
    {
        (Big, Middle, Small) = Plan(rows, rows / BigRows);
        if (rows / BigRows > 0)
        {
            (int big, int middle, int small) = Plan(rows, rows / BigRows - 1);
            if (Cost(big, middle, small) < Cost(Big, Middle, Small))
            {
                (Big, Middle, Small) = (big, middle, small);
            }
        }

        Rows = rows;
    }

    /// <summary>Rows of the multiplication.</summary>
    public int Rows { get; }

    /// <summary>Tiles of 14 rows, first.</summary>
    public int Big { get; }

    /// <summary>Tiles of 8 rows, after the big ones.</summary>
    public int Middle { get; }

    /// <summary>Tiles of 4 rows, last; the last one may hold fewer rows.</summary>
    public int Small { get; }

    /// <summary>Rows with the padding of the last small tile: the length of a packed bias.</summary>
    public int Padded => Big * BigRows + Middle * MiddleRows + Small * SmallRows;

    /// <summary>Units of rows threads share: each big tile, then all the rest as one unit.</summary>
    public int Units => Big + (Rows > Big * BigRows ? 1 : 0);

    /// <summary>The height of the tile that starts at <paramref name="row"/>.</summary>
    public int HeightAt(int row) => row < Big * BigRows ? BigRows : row < Big * BigRows + Middle * MiddleRows ? MiddleRows : SmallRows;

    /// <summary>The rows [First, End) of units [<paramref name="first"/>, <paramref name="end"/>).</summary>
    public (int First, int End) UnitRows(int first, int end) => (Math.Min(first * BigRows, Rows), end > Big ? Rows : end * BigRows);

    private static (int Big, int Middle, int Small) Plan(int rows, int big)
    {
        int rest = rows - big * BigRows;
        return (big, rest / MiddleRows, (rest % MiddleRows + SmallRows - 1) / SmallRows);
    }

    private static double Cost(int big, int middle, int small) => big * BigRows + middle * MiddleRows * 1.05 + small * SmallRows * 1.2;
}
