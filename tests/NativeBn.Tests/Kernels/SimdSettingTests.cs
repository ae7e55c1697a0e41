using System.Runtime.Intrinsics;
using NativeBn.Kernels;

namespace NativeBn.Tests.Kernels;

/// <summary>The SIMD knob this run was started with took effect, so CI's four runs really test four code paths.</summary>
public class SimdSettingTests
{
    [Fact]
    public void KernelWidthFollowsTheProcessSimdSettings()
    {
        string? hw = Environment.GetEnvironmentVariable("DOTNET_EnableHWIntrinsic");
        string? avx2 = Environment.GetEnvironmentVariable("DOTNET_EnableAVX2");
        string? width = Environment.GetEnvironmentVariable("DOTNET_PreferredVectorBitWidth");
        if (hw == "0")
        {
            Assert.False(Vector128.IsHardwareAccelerated);
            Assert.Equal(1, SimdWidth.MaxFloats);
        }
        else if (avx2 == "0")
        {
            Assert.False(Vector256.IsHardwareAccelerated);
            Assert.Equal(Vector128.IsHardwareAccelerated ? 4 : 1, SimdWidth.MaxFloats);
        }
        else if (width == "256")
        {
            Assert.False(Vector512.IsHardwareAccelerated);
            Assert.True(SimdWidth.MaxFloats <= 8);
        }

        int expected = Vector512.IsHardwareAccelerated ? 16 : Vector256.IsHardwareAccelerated ? 8 : Vector128.IsHardwareAccelerated ? 4 : 1;
        Assert.Equal(expected, SimdWidth.MaxFloats);
        Assert.Equal(Math.Min(expected, 4), SimdWidth.ForRun(7));
        Assert.Equal(1, SimdWidth.ForRun(3));
    }
}
