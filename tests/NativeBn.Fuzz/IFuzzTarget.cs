namespace NativeBn.Fuzz;

/// <summary>
/// One reader under fuzzing: valid seed inputs that cover its structure, mutations that know that structure, the load
/// whose only documented failure is <see cref="Data.DataFormatException"/>, and whether an input gets past the header
/// (so that a run shows how deep the cases reach). A new reader joins the harness as one more target.
/// </summary>
internal interface IFuzzTarget
{
    /// <summary>The format's name in the log.</summary>
    string Name { get; }

    /// <summary>Valid inputs covering every kind of content the reader accepts.</summary>
    IReadOnlyList<byte[]> Seeds { get; }

    /// <summary>A mutated copy of <paramref name="seed"/>.</summary>
    byte[] Mutate(byte[] seed, Random random);

    /// <summary>Reads <paramref name="input"/>; returns normally or throws the reader's documented exception.</summary>
    void Load(byte[] input);

    /// <summary>True when the input's header is well formed, so the reader goes on to its content.</summary>
    bool PastHeader(byte[] input);
}
