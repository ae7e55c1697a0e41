namespace NativeBn.Generators
{
    /// <summary>A type that contains the kernel class: its declaration keyword (class, struct, record, ...) and name.</summary>
    internal sealed record ContainingTypeSpec(string Keyword, string Name);
}
