using NativeBn.Cli;

return Cli.Run(args, new CliContext(Console.Out, Console.Error, Console.In, ShowProgress: !Console.IsErrorRedirected));
