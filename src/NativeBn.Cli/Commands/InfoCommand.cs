using System.CommandLine;
using NativeBn.Cli.Bench;
using NativeBn.Cuda;
using NativeBn.Kernels;

namespace NativeBn.Cli.Commands;

/// <summary>
/// <c>nativebn info</c>: how this binary was built, the SIMD width it actually uses next to what the CPU offers, and a
/// rebuild recommendation when they differ (a NativeAOT binary is fixed to the instruction sets it was compiled for),
/// and whether CUDA is available (or exactly why not).
/// </summary>
internal static class InfoCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("info", "Show the build, the SIMD width in use, what the CPU supports and the CUDA status");
        command.SetAction(parse => Cli.Guard(context, () =>
        {
            TextWriter o = context.Output;
            bool nativeAot = MachineInfo.IsNativeAot();
            int used = SimdWidth.MaxFloats, cpu = MachineInfo.CpuFloats();
            o.WriteLine($"nativebn {typeof(InfoCommand).Assembly.GetName().Version}, .NET {Environment.Version}, {(nativeAot ? "NativeAOT" : "JIT")}");
            o.WriteLine($"cpu: {MachineInfo.Cpu()} ({Environment.ProcessorCount} cores)");
            o.WriteLine($"cpu simd: {string.Join(", ", MachineInfo.CpuSimd())}");
            o.WriteLine($"simd width in use: {SimdWidth.Describe(used)} ({used} floats); the cpu offers {SimdWidth.Describe(cpu)} ({cpu} floats)");
            if (used < cpu)
            {
                o.WriteLine(nativeAot
                    ? $"recommendation: this binary was compiled for narrower vectors than the cpu has; rebuild with dotnet publish src/NativeBn.Cli -c Release -r linux-x64 -p:IlcInstructionSet={(cpu == 16 ? "x86-64-v4" : "x86-64-v3")} (or -p:IlcInstructionSet=native for this machine)"
                    : "recommendation: the runtime limits the vector width (DOTNET_PreferredVectorBitWidth or DOTNET_Enable* settings); unset them to use the full width");
            }
            else
            {
                o.WriteLine("recommendation: none, the binary uses the widest vectors the cpu offers");
            }

            o.WriteLine($"cuda: {CudaDevice.Describe()}");
        }));
        return command;
    }
}
