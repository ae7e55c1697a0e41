namespace NativeBn.Cli;

/// <summary>Where a command reads and writes, and whether a progress bar may be drawn.</summary>
/// <param name="Output">Results.</param>
/// <param name="Error">Errors and progress.</param>
/// <param name="Input">Standard input (samples for predict).</param>
/// <param name="ShowProgress">Draw progress bars (only on an interactive terminal).</param>
internal sealed record CliContext(TextWriter Output, TextWriter Error, TextReader Input, bool ShowProgress);
