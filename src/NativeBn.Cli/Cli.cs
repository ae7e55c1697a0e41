using System.CommandLine;
using NativeBn.Cli.Commands;
using NativeBn.Data;

namespace NativeBn.Cli;

/// <summary>The <c>nativebn</c> command line: builds the commands and turns every failure into one line and an exit code.</summary>
internal static class Cli
{
    /// <summary>Exit code of a command that failed on its input.</summary>
    public const int Failure = 1;

    public static int Run(string[] args, CliContext context)
    {
        var root = new RootCommand("NativeBn: batch normalization that behaves the same in training and inference")
        {
            DemoCommand.Create(context),
            TrainCommand.Create(context),
            EvaluateCommand.Create(context),
            PredictCommand.Create(context),
            RecalibrateCommand.Create(context),
            FoldCommand.Create(context),
            DiagnoseCommand.Create(context),
            BenchCommand.Create(context),
            ImportCommand.Create(context),
            InfoCommand.Create(context),
            ExportCommand.Create(context),
        };
        ParseResult parse = root.Parse(args);
        return parse.Invoke(new InvocationConfiguration { Output = context.Output, Error = context.Error, EnableDefaultExceptionHandler = false });
    }

    /// <summary>Runs a command body; known failures print <c>nativebn: error: message</c> and return <see cref="Failure"/>.</summary>
    public static int Guard(CliContext context, Action body)
    {
        try
        {
            body();
            return 0;
        }
        catch (Exception e) when (e is CliException or DataFormatException or ArgumentException or InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            context.Error.WriteLine($"nativebn: error: {FirstLine(e.Message)}");
            return Failure;
        }
    }

    private static string FirstLine(string message)
    {
        int end = message.IndexOf('\n', StringComparison.Ordinal);
        return (end < 0 ? message : message[..end]).TrimEnd();
    }
}
