using System.Diagnostics;

namespace NativeBn.Mpi.Tests;

/// <summary>Launches <c>mpirun --allow-run-as-root --oversubscribe -np K dotnet ASSEMBLY ARGS</c> and waits, with a time limit.</summary>
internal static class MpiJobRunner
{
    /// <summary>A job that runs longer than this is taken to hang: it is killed and the test fails.</summary>
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(2);

    public static string Worker => Path.Combine(AppContext.BaseDirectory, "NativeBn.Mpi.Worker.dll");

    public static string Cli => Path.Combine(AppContext.BaseDirectory, "NativeBn.Cli.dll");

    public static string? FindMpirun() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, "mpirun")).FirstOrDefault(File.Exists);

    /// <summary>Runs the job; returns its exit code and its standard output and error.</summary>
    public static (int Code, string Output, string Error) Run(int ranks, string assembly, params string[] arguments)
    {
        var start = new ProcessStartInfo(FindMpirun()!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in (string[])["--allow-run-as-root", "--oversubscribe", "-np", ranks.ToString(System.Globalization.CultureInfo.InvariantCulture), "dotnet", assembly, .. arguments])
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["TERM"] = "dumb";
        start.Environment["OMPI_MCA_rmaps_base_oversubscribe"] = "1";

        // Each job gets its own session directory: two mpirun started at once by parallel tests otherwise race to create
        // the shared /tmp/ompi.<host>.<uid> and one of them fails in orte_init ("mkdir ... File exists").
        DirectoryInfo session = Directory.CreateTempSubdirectory("nativebn-ompi");
        start.Environment["OMPI_MCA_orte_tmpdir_base"] = session.FullName;
        try
        {
            return Wait(start, ranks, assembly, arguments);
        }
        finally
        {
            RemoveSession(session);
        }
    }

    /// <summary>Removes a job's session directory; one that cannot be removed stays behind in the temp folder, harmlessly.</summary>
    private static void RemoveSession(DirectoryInfo session)
    {
        try
        {
            session.Delete(recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"could not remove {session.FullName}: {e.Message}");
        }
    }

    private static (int Code, string Output, string Error) Wait(ProcessStartInfo start, int ranks, string assembly, string[] arguments)
    {
        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Limit))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"mpirun -np {ranks} {Path.GetFileName(assembly)} {string.Join(' ', arguments)} did not finish within {Limit.TotalSeconds} s (hung).");
        }

        process.WaitForExit();
        return (process.ExitCode, output.Result, error.Result);
    }

    /// <summary>Runs a worker scenario that must succeed, with its output in a fresh folder; returns the folder.</summary>
    public static string RunScenario(int ranks, string scenario, params string[] arguments)
    {
        string folder = Directory.CreateTempSubdirectory($"nativebn-mpi-{scenario}").FullName;
        (int code, string output, string error) = Run(ranks, Worker, [scenario, folder, .. arguments]);
        Assert.True(code == 0, $"the {scenario} job failed with exit code {code}:\n{output}\n{error}");
        return folder;
    }
}
