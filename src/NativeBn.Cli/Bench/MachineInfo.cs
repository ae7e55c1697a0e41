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

    /// <summary>
    /// True when this process runs NativeAOT-compiled code: no method was JIT-compiled. (The CLI's project sets
    /// PublishAot, which also turns the RuntimeFeature.IsDynamicCodeSupported switch off in JIT builds, so that switch
    /// cannot tell.)
    /// </summary>
    public static bool IsNativeAot() => System.Runtime.JitInfo.GetCompiledMethodCount() == 0;

    /// <summary>
    /// The environment settings that change which instruction sets the JIT uses (<c>DOTNET_Enable*</c>,
    /// <c>DOTNET_PreferredVectorBitWidth</c>), as <c>NAME=value</c>, sorted; empty under NativeAOT, which ignores them.
    /// </summary>
    public static IReadOnlyList<string> SimdSettings()
    {
        if (IsNativeAot())
        {
            return [];
        }

        var settings = new List<string>();
        foreach (System.Collections.DictionaryEntry variable in Environment.GetEnvironmentVariables())
        {
            string name = (string)variable.Key;
            if (name.StartsWith("DOTNET_Enable", StringComparison.Ordinal) || name == "DOTNET_PreferredVectorBitWidth")
            {
                settings.Add($"{name}={variable.Value}");
            }
        }

        settings.Sort(StringComparer.Ordinal);
        return settings;
    }

    /// <summary>The widest accelerated vector the engine's kernels use, e.g. "Vector512 (16 floats)".</summary>
    public static string WidthUsed() => $"{SimdWidth.Describe(SimdWidth.MaxFloats)} ({SimdWidth.MaxFloats} floats)";

    /// <summary>
    /// The widest float vector the CPU itself offers, read with CPUID (so it is right even when this binary was
    /// compiled for fewer instruction sets, as NativeAOT binaries are): 16 with AVX-512F, 8 with AVX2, 4 with SSE2 or
    /// AdvSIMD, else 1. The operating system's support for the wide registers is assumed.
    /// </summary>
    public static int CpuFloats()
    {
        if (X86Base.IsSupported)
        {
            (int maxLeaf, _, _, _) = X86Base.CpuId(0, 0);
            (_, int ebx7, _, _) = maxLeaf >= 7 ? X86Base.CpuId(7, 0) : (0, 0, 0, 0);
            return (ebx7 & (1 << 16)) != 0 ? 16 : (ebx7 & (1 << 5)) != 0 ? 8 : 4;
        }

        return System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported ? 4 : 1;
    }

    /// <summary>The CPU's vector instruction sets as CPUID reports them, for <c>nativebn info</c>.</summary>
    public static IReadOnlyList<string> CpuSimd()
    {
        var sets = new List<string>();
        if (X86Base.IsSupported)
        {
            (int maxLeaf, _, _, _) = X86Base.CpuId(0, 0);
            (_, _, int ecx1, int edx1) = X86Base.CpuId(1, 0);
            (_, int ebx7, _, _) = maxLeaf >= 7 ? X86Base.CpuId(7, 0) : (0, 0, 0, 0);
            AddIf(sets, (edx1 & (1 << 26)) != 0, "SSE2");
            AddIf(sets, (ecx1 & (1 << 20)) != 0, "SSE4.2");
            AddIf(sets, (ecx1 & (1 << 28)) != 0, "AVX");
            AddIf(sets, (ebx7 & (1 << 5)) != 0, "AVX2");
            AddIf(sets, (ecx1 & (1 << 12)) != 0, "FMA");
            AddIf(sets, (ebx7 & (1 << 16)) != 0, "AVX-512F");
            AddIf(sets, (ebx7 & (1 << 30)) != 0, "AVX-512BW");
        }

        AddIf(sets, System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported, "AdvSIMD");
        return sets;
    }

    private static void AddIf(List<string> sets, bool condition, string name)
    {
        if (condition)
        {
            sets.Add(name);
        }
    }
}
