namespace NativeBn.Data;

/// <summary>A data or model file that cannot be read: truncated, corrupted, or not in the expected format.</summary>
public sealed class DataFormatException : IOException
{
    /// <summary>Creates the exception.</summary>
    public DataFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with its cause.</summary>
    public DataFormatException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
