using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Filters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.NoEmit;
using NativeBn.Benchmarks.Mpi;
using NativeBn.Benchmarks.Peers;
using NativeBn.Mpi;

if (args.Contains("--mpi"))
{
    return RunUnderMpi([.. args.Where(a => a != "--mpi")]);
}

// Min, median and max next to the default mean and error columns: the spread between the fastest and slowest iteration
// is what a shared machine changes, and the median is what the README's tables report. Each benchmark class builds its
// own copy of the solution's projects; on a loaded two-core machine that has taken more than BenchmarkDotNet's default
// two minutes, so the build gets ten.
IConfig config = ManualConfig.Create(DefaultConfig.Instance)
    .WithBuildTimeout(TimeSpan.FromMinutes(10))
    .AddColumn(StatisticColumn.Min, StatisticColumn.Median, StatisticColumn.Max)
    .AddFilter(new SimpleFilter(benchmark => benchmark.Descriptor.Type.Namespace != typeof(MpiBenchmarkSession).Namespace));
if (args.Contains("--paired"))
{
    if (!NativeBn.Benchmarks.ConvNetBenchmarks.IsAvailable)
    {
        Console.Error.WriteLine($"--paired needs {NativeBn.Benchmarks.ConvNetBenchmarks.Variable} set to a folder of exported models "
            + "(/usr/bin/python3 tests/pytorch/export_models.py DIR --benchmark).");
        return 2;
    }

    int at = Array.IndexOf(args, "--pairs"), pairs = 100;
    if (at >= 0 && !(at + 1 < args.Length && int.TryParse(args[at + 1], out pairs) && pairs > 0))
    {
        Console.Error.WriteLine($"--pairs takes a positive whole number of measured pairs; got '{(at + 1 < args.Length ? args[at + 1] : "")}'.");
        return 2;
    }

    NativeBn.Benchmarks.PairedConvNet.Run(NativeBn.Benchmarks.ConvNetBenchmarks.Folder!, pairs);
    return 0;
}

if (!OneDnnNative.IsAvailable)
{
    Console.WriteLine($"oneDNN ({OneDnnNative.Library}) is not installed: its benchmarks are skipped. On Debian: apt-get install libdnnl-dev");
    config = config.AddFilter(new SimpleFilter(benchmark => !benchmark.Descriptor.WorkloadMethod.Name.StartsWith("OneDnn", StringComparison.Ordinal)));
}

if (!NativeBn.Benchmarks.ConvNetBenchmarks.IsAvailable)
{
    Console.WriteLine($"{NativeBn.Benchmarks.ConvNetBenchmarks.Variable} names no folder of exported models: the ResNet-18 and MobileNetV2 benchmarks are skipped. "
        + "Export them with /usr/bin/python3 tests/pytorch/export_models.py DIR --benchmark and set the variable to DIR.");
    config = config.AddFilter(new SimpleFilter(benchmark => benchmark.Descriptor.Type != typeof(NativeBn.Benchmarks.ConvNetBenchmarks)));
}

BenchmarkSwitcher.FromAssembly(typeof(OneDnnNative).Assembly).Run(args, config);
return 0;

// The MPI benchmarks: every rank runs them in its own process (in-process toolchain) with fixed iteration and
// invocation counts (set on the classes), so that all ranks make the same collective calls; only rank 0 reports.
// "--quick" gives a smoke run.
static int RunUnderMpi(string[] args)
{
    using MpiSession session = MpiSession.Start();
    MpiBenchmarkSession.Session = session;
    bool quick = args.Contains("--quick");
    Job job = Job.Default.WithToolchain(InProcessNoEmitToolchain.Instance)
        .WithWarmupCount(quick ? 1 : 15).WithIterationCount(quick ? 2 : 25)
        .WithUnrollFactor(1)
        .WithId($"MPI x{session.World.Size}");
    ManualConfig config = ManualConfig.CreateEmpty().AddJob(job).AddColumnProvider(DefaultColumnProviders.Instance).AddDiagnoser(BenchmarkDotNet.Diagnosers.MemoryDiagnoser.Default)
        .WithOptions(ConfigOptions.DisableLogFile)
        .WithArtifactsPath(Path.Combine("BenchmarkDotNet.Artifacts", $"mpi-rank{session.World.Rank}"));
    if (session.World.Rank == 0)
    {
        config.AddLogger(ConsoleLogger.Default).AddExporter(DefaultConfig.Instance.GetExporters().ToArray());
    }

    BenchmarkRunner.Run([typeof(SyncBatchNormBenchmarks), typeof(DistributedPopulationBenchmarks)], config);
    return 0;
}
