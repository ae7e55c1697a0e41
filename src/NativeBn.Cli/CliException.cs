namespace NativeBn.Cli;

/// <summary>A problem with the user's input: printed as one line, exit code 1.</summary>
internal sealed class CliException(string message) : Exception(message);
