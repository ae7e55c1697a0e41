using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Parsing;
using NativeBn.Cli.Commands;
using NativeBn.Data;
using NativeBn.Network;

namespace NativeBn.Cli;

/// <summary>The <c>nativebn</c> command line: builds the commands and turns every failure into one line and an exit code.</summary>
internal static class Cli
{
    /// <summary>Exit code of a command that failed on its input (or its options, files, data).</summary>
    public const int Failure = 1;

    /// <summary>Exit code of a fault in NativeBn itself: printed as <c>nativebn: internal error: ...</c>, never as a user error.</summary>
    public const int InternalError = 2;

    public static int Run(string[] args, CliContext context)
    {
        var root = new Command("nativebn", "NativeBn: batch normalization that behaves the same in training and inference")
        {
            new HelpOption(),
            new VersionOption(),
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
        if (parse.Errors.Count > 0)
        {
            ParseError error = parse.Errors.FirstOrDefault(e => e.Message.StartsWith("Unrecognized", StringComparison.Ordinal)) ?? parse.Errors[0];
            context.Error.WriteLine($"nativebn: error: {error.Message}");
            context.Error.WriteLine($"Run '{CommandPath(parse.CommandResult)} --help' for usage.");
            return Failure;
        }

        return parse.Invoke(new InvocationConfiguration { Output = context.Output, Error = context.Error, EnableDefaultExceptionHandler = false });
    }

    private static string CommandPath(SymbolResult? result)
    {
        var names = new List<string>();
        for (SymbolResult? r = result; r is not null; r = r.Parent)
        {
            if (r is CommandResult command)
            {
                names.Insert(0, command.Command.Name);
            }
        }

        return string.Join(' ', names);
    }

    /// <summary>
    /// Runs a command body. Failures caused by what the user gave (options, files, data, a model that cannot do what was
    /// asked) print <c>nativebn: error: message</c> and return <see cref="Failure"/>; anything else is a fault of NativeBn
    /// and prints <c>nativebn: internal error: ...</c> with <see cref="InternalError"/>. Nothing escapes.
    /// </summary>
    public static int Guard(CliContext context, Action body)
    {
        try
        {
            body();
            return 0;
        }
        catch (TrainingDivergedException e)
        {
            context.Error.WriteLine($"nativebn: error: {e.Message}: lower --lr");
            return Failure;
        }
        catch (InsufficientMemoryException e)
        {
            context.Error.WriteLine($"nativebn: error: {FirstLine(e.Message)}");
            return Failure;
        }
        catch (OutOfMemoryException)
        {
            context.Error.WriteLine("nativebn: error: out of memory: the model or the data is too large for this machine");
            return Failure;
        }
        catch (Exception e) when (e is CliException or DataFormatException or ArgumentException or InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            string message = e is ArgumentException { ParamName: { } name } ? e.Message.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal) : e.Message;
            if (e is not CliException { Reported: true })
            {
                context.Error.WriteLine($"nativebn: error: {FirstLine(message)}");
            }

            return Failure;
        }
        catch (Exception e)
        {
            context.Error.WriteLine($"nativebn: internal error: {e.GetType().Name}: {FirstLine(e.Message)}");
            return InternalError;
        }
    }

    internal static string FirstLine(string message)
    {
        int end = message.IndexOf('\n', StringComparison.Ordinal);
        return (end < 0 ? message : message[..end]).TrimEnd();
    }
}
