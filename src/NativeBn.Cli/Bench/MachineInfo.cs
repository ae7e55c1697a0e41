using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using NativeBn.Kernels;

namespace NativeBn.Cli.Bench;

/// <summary>The CPU, its SIMD instruction sets, and the vector width this process actually uses.</summary>
internal static class MachineInfo
{
    public static string Cpu()
    {
        try
        {
            if (File.Exists("/proc/cpuinfo"))
            {
                string? line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
                if (line is not null)
                {
                    return line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
                }
            }
        }
        catch (IOException)
        {
        }

        return RuntimeInformation.ProcessArchitecture.ToString();
    }

    /// <summary>Instruction sets the CPU offers to this process (as the runtime reports them).</summary>
    public static IReadOnlyList<string> SupportedSimd()
    {
        var sets = new List<string>();
        if (Sse42.IsSupported)
        {
            sets.Add("SSE4.2");
        }

        if (Avx2.IsSupported)
        {
            sets.Add("AVX2");
        }

        if (Fma.IsSupported)
        {
            sets.Add("FMA");
        }

        if (Avx512F.IsSupported)
        {
            sets.Add("AVX-512F");
        }

        if (System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported)
        {
            sets.Add("AdvSIMD");
        }

        return sets;
    }

    /// <summary>The widest accelerated vector the engine's kernels use, e.g. "Vector512 (16 floats)".</summary>
    public static string WidthUsed() => $"{SimdWidth.Describe(SimdWidth.MaxFloats)} ({SimdWidth.MaxFloats} floats)";

    /// <summary>The widest vector the hardware offers, whether or not this process is allowed to use it.</summary>
    public static int HardwareFloats() =>
        Avx512F.IsSupported ? 16 : Avx2.IsSupported || Avx.IsSupported ? 8 : Vector128.IsHardwareAccelerated || Sse2.IsSupported ? 4 : 1;
}
