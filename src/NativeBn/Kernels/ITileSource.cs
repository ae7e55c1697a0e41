namespace NativeBn.Kernels;

/// <summary>
/// Where a register tile of <see cref="GemmTiles"/> finds its broadcast operand's values at step k: one after another in
/// a packed block (<see cref="PackedRows"/>), or as consecutive floats at an offset given per step (<see cref="TappedRows"/>).
/// A constant of the type, so the JIT compiles each tile for one of them.
/// </summary>
internal interface ITileSource
{
    /// <summary>True when step k's values start at <c>a + aRows[k]</c>; false when they follow the previous step's.</summary>
    static abstract bool Tapped { get; }
}

/// <summary>A packed block: a tile of h rows holds h values per step, one step after another (<see cref="PackedGemm.Pack"/>).</summary>
internal readonly struct PackedRows : ITileSource
{
    public static bool Tapped => false;
}

/// <summary>
/// An input read in place: step k's values are consecutive floats at <c>a + aRows[k]</c> (the output positions along
/// a row of a <see cref="PhaseLayout"/> copy for tap k, see <see cref="PositionTiles"/>).
/// </summary>
internal readonly struct TappedRows : ITileSource
{
    public static bool Tapped => true;
}
