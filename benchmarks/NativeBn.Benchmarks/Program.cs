using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Filters;
using BenchmarkDotNet.Running;
using NativeBn.Benchmarks.Peers;

IConfig config = DefaultConfig.Instance;
if (!OneDnnNative.IsAvailable)
{
    Console.WriteLine($"oneDNN ({OneDnnNative.Library}) is not installed: its benchmarks are skipped. On Debian: apt-get install libdnnl-dev");
    config = config.AddFilter(new SimpleFilter(benchmark => !benchmark.Descriptor.WorkloadMethod.Name.StartsWith("OneDnn", StringComparison.Ordinal)));
}

BenchmarkSwitcher.FromAssembly(typeof(OneDnnNative).Assembly).Run(args, config);
