namespace NativeBn.Cli;

/// <summary>
/// Checks a file a command will write before the command does any work: its folder exists and takes new files, it is
/// not a folder, and it is none of the files the command reads unless the user asked for that (<c>--in-place</c>).
/// Errors name the option and the path the user typed.
/// </summary>
internal static class OutputFile
{
    /// <summary>Checks <paramref name="file"/> (given by <paramref name="option"/>); null means the option was not given.</summary>
    public static void Check(FileInfo? file, string option, params ReadOnlySpan<(FileInfo? File, string Option)> inputs)
    {
        if (file is null)
        {
            return;
        }

        string path = file.FullName;
        foreach ((FileInfo? input, string inputOption) in inputs)
        {
            if (input is not null && string.Equals(Path.GetFullPath(input.FullName), path, StringComparison.Ordinal))
            {
                throw new CliException($"{option} {file} is the {inputOption} file; write the result elsewhere so that the input stays intact.");
            }
        }

        if (Directory.Exists(path))
        {
            throw new CliException($"{option} {file} is a folder; give a file name.");
        }

        string folder = Path.GetDirectoryName(path)!;
        if (!Directory.Exists(folder))
        {
            throw new CliException($"{option} {file}: the folder {folder} does not exist.");
        }

        try
        {
            using var probe = new FileStream(
                Path.Combine(folder, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.probe"), FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"{option} {file}: cannot create files in {folder} ({(e is UnauthorizedAccessException ? "permission denied" : e.Message)}).");
        }
    }
}
