using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace NativeBn.Cuda.Tests;

/// <summary>What holds with or without a GPU: the embedded kernels and the report of why CUDA is unavailable.</summary>
public sealed class AvailabilityTests
{
    [Fact]
    public void TheEmbeddedPtxDefinesEveryKernelTheDeviceLooksUpForSm70()
    {
        using Stream resource = typeof(CudaDevice).Assembly.GetManifestResourceStream("batchnorm.ptx")!;
        Assert.NotNull(resource);
        string ptx = new StreamReader(resource).ReadToEnd();

        Assert.Matches(new Regex(@"^\.target sm_70$", RegexOptions.Multiline), ptx);
        Assert.Matches(new Regex(@"^\.version 6\.0$", RegexOptions.Multiline), ptx);
        foreach (string kernel in CudaDevice.KernelNames)
        {
            Assert.Matches(new Regex($@"^\.visible \.entry {kernel}\(", RegexOptions.Multiline), ptx);
        }
    }

    /// <summary>
    /// The argument sizes CudaBatchNorm passes to each kernel (8: a device pointer or a 64-bit count; 4: a 32-bit int),
    /// against the parameter list the PTX declares: a mismatch would corrupt every argument after it.
    /// </summary>
    [Theory]
    [InlineData("nbn_affine", "8 8 8 8 8 4 4 4 4")]
    [InlineData("nbn_centered_affine", "8 8 8 8 8 8 4 4 4")]
    [InlineData("nbn_input_gradient", "8 8 8 8 8 8 8 8 4 4 4")]
    [InlineData("nbn_moments", "8 8 8 8 4 4 4")]
    [InlineData("nbn_gradient_sums", "8 8 8 8 8 8 4 4 4")]
    public void TheKernelsParameterListsMatchWhatTheLaunchesPass(string kernel, string sizes)
    {
        using Stream resource = typeof(CudaDevice).Assembly.GetManifestResourceStream("batchnorm.ptx")!;
        string ptx = new StreamReader(resource).ReadToEnd();
        Match entry = Regex.Match(ptx, $@"\.entry {kernel}\((?<parameters>[^)]*)\)");
        Assert.True(entry.Success, $"no entry {kernel}");

        string declared = string.Join(' ', Regex.Matches(entry.Groups["parameters"].Value, @"\.param \.[us](?<bits>\d+) ")
            .Select(m => (int.Parse(m.Groups["bits"].Value, System.Globalization.CultureInfo.InvariantCulture) / 8).ToString(System.Globalization.CultureInfo.InvariantCulture)));

        Assert.Equal(sizes, declared);
    }

    [Fact]
    public void OpeningSaysExactlyWhyCudaIsUnavailable()
    {
        bool opened = CudaDevice.TryOpen(0, out CudaDevice? device, out string reason);
        string described = CudaDevice.Describe();

        if (opened)
        {
            using (device)
            {
                Assert.Equal("", reason);
                Assert.True(device!.ComputeCapability >= 70, $"compute capability {device.ComputeCapability}");
                Assert.StartsWith("available: ", described);
            }
        }
        else
        {
            Assert.Null(device);
            Assert.Equal($"unavailable: {reason}", described);
            if (!NativeLibrary.TryLoad("libcuda.so.1", out _))
            {
                Assert.Equal("libcuda.so.1 is not installed (no NVIDIA driver on this machine)", reason);
            }
            else
            {
                Assert.False(string.IsNullOrWhiteSpace(reason));
            }
        }
    }

    [Fact]
    public void AMissingDeviceOrdinalIsReportedNotThrown()
    {
        Assert.False(CudaDevice.TryOpen(1 << 20, out CudaDevice? device, out string reason));
        Assert.Null(device);
        Assert.False(string.IsNullOrWhiteSpace(reason));
    }
}
