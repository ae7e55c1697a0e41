namespace NativeBn.Kernels;

/// <summary>
/// How many output positions a <see cref="BlockedTile"/> computes: a constant of the type, so the JIT compiles each
/// tile for one count and drops the registers of the positions it does not have.
/// </summary>
internal interface IPositionCount
{
    /// <summary>Positions of the tile, 1 to <see cref="BlockedTile.MostPositions"/>.</summary>
    static abstract int Count { get; }
}

/// <summary>One position.</summary>
internal readonly struct OnePosition : IPositionCount
{
    public static int Count => 1;
}

/// <summary>Two positions.</summary>
internal readonly struct TwoPositions : IPositionCount
{
    public static int Count => 2;
}

/// <summary>Three positions.</summary>
internal readonly struct ThreePositions : IPositionCount
{
    public static int Count => 3;
}

/// <summary>Four positions.</summary>
internal readonly struct FourPositions : IPositionCount
{
    public static int Count => 4;
}

/// <summary>Five positions.</summary>
internal readonly struct FivePositions : IPositionCount
{
    public static int Count => 5;
}

/// <summary>Six positions.</summary>
internal readonly struct SixPositions : IPositionCount
{
    public static int Count => 6;
}
