using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using NativeBn.Data;

namespace NativeBn.Tests.Data;

/// <summary>
/// .npy files written by NumPy 1.24 (<c>Fixtures/npy/make_npy.py</c>) read as the values NumPy wrote, checked against the
/// text oracle the script writes beside each array; every refused file names its problem; headers edited here byte by
/// byte (sizes, versions, lengths) are refused before anything is allocated.
/// </summary>
public class NpyReaderTests
{
    private static string Fixture(string name, [CallerFilePath] string source = "") =>
        Path.Combine(Path.GetDirectoryName(source)!, "Fixtures", "npy", name);

    /// <summary>The oracle: the shape, then the expected values in C order.</summary>
    private static (int[] Shape, double[] Values) Oracle(string name)
    {
        string[] lines = File.ReadAllLines(Fixture(name + ".txt"));
        return ([.. lines[0].Split(' ').Select(d => int.Parse(d, CultureInfo.InvariantCulture))],
            [.. lines.Skip(1).Select(v => double.Parse(v, CultureInfo.InvariantCulture))]);
    }

    private static string Refusal(Action read) => Assert.Throws<DataFormatException>(read).Message;

    [Theory]
    [InlineData("f4_nchw", "f4_nchw")]
    [InlineData("f8_table", "f8_table")]
    [InlineData("f4_v2", "f4_v2")]
    [InlineData("f4_v3", "f4_v3")]
    public void ReadsTheValuesNumPyWrote(string file, string oracle)
    {
        (int[] shape, double[] expected) = Oracle(oracle);
        NpyFeatures read = NpyReader.ReadFeatures(Fixture(file + ".npy"));
        Assert.Equal(shape, read.Shape.ToArray());
        Assert.Equal(shape[0], read.Data.Count);
        Assert.Equal(shape.Skip(1).Aggregate(1, (a, b) => a * b), read.Data.Width);
        Assert.Equal(shape[1..], read.SampleShape.ToArray());
        Assert.False(read.Data.HasLabels);
        Assert.Equal(expected.Length, read.Data.Features.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(BitConverter.SingleToInt32Bits((float)expected[i]) == BitConverter.SingleToInt32Bits(read.Data.Features[i]),
                $"{file}[{i}]: expected {expected[i]:R}, read {read.Data.Features[i]:R}");
        }

        Assert.Equal("[" + string.Join(", ", shape) + "]", read.ToString());
    }

    [Theory]
    [InlineData("labels_i8")]
    [InlineData("labels_i4")]
    [InlineData("labels_u1")]
    public void ReadsIntegerLabels(string file)
    {
        (_, double[] expected) = Oracle("labels");
        Assert.Equal(expected.Select(v => (int)v), NpyReader.ReadLabels(Fixture(file + ".npy")));

        NpyFeatures labeled = NpyReader.Read(Fixture("f4_nchw.npy"), Fixture(file + ".npy"));
        Assert.True(labeled.Data.HasLabels);
        Assert.Equal(expected.Select(v => (int)v), labeled.Data.Labels.ToArray());
        Assert.Equal((int)expected.Max() + 1, labeled.Data.Classes);
        Assert.Equal(NpyReader.ReadFeatures(Fixture("f4_nchw.npy")).Data.Features.ToArray(), labeled.Data.Features.ToArray());
    }

    [Theory]
    [InlineData("f4_fortran.npy", "Fortran (column-major) order", "[3, 4, 5]")]
    [InlineData("f4_big_endian.npy", "big-endian '>f4'", "x.astype('<f4')")]
    [InlineData("f8_big_endian.npy", "big-endian '>f8'", "x.astype('<f8')")]
    [InlineData("f2_half.npy", "dtype '<f2'", "'<f4' (float32) or '<f8' (float64)")]
    [InlineData("labels_i8.npy", "dtype '<i8'", "'<f4' (float32) or '<f8' (float64)")]
    [InlineData("f4_scalar.npy", "0-d array", "[N, ...]")]
    [InlineData("f4_no_samples.npy", "no samples", "[0, 3]")]
    [InlineData("f4_nan.npy", "value 1 (sample 0) is NaN", "finite")]
    [InlineData("f8_too_large.npy", "value 1 (sample 0) is 1E+39", "outside the float32 range")]
    public void RefusedFeatureFilesNameTheProblem(string file, string problem, string detail)
    {
        string message = Refusal(() => NpyReader.ReadFeatures(Fixture(file)));
        Assert.Contains(Fixture(file), message);
        Assert.Contains(problem, message);
        Assert.Contains(detail, message);
    }

    [Theory]
    [InlineData("labels_negative.npy", "label 1 is -1")]
    [InlineData("labels_2d.npy", "1-d array [N]; the file holds [2, 2]")]
    [InlineData("f4_nchw.npy", "dtype '<f4'; labels must be '<i8' (int64), '<i4' (int32) or '|u1' (uint8)")]
    public void RefusedLabelFilesNameTheProblem(string file, string problem)
    {
        string message = Refusal(() => NpyReader.ReadLabels(Fixture(file)));
        Assert.Contains(problem, message);
    }

    [Fact]
    public void LabelsForADifferentNumberOfSamplesAreRefused()
    {
        string message = Refusal(() => NpyReader.Read(Fixture("f4_v2.npy"), Fixture("labels_i8.npy")));
        Assert.Contains("holds 3 samples but", message);
        Assert.Contains("holds 4 labels", message);
    }

    [Fact]
    public void AMissingFileIsADataFormatError() =>
        Assert.Contains("Cannot read", Refusal(() => NpyReader.ReadFeatures(Fixture("missing.npy"))));

    /// <summary>A version 1.0 file with the given header text (padded as NumPy pads it) and data bytes.</summary>
    private static byte[] File1(string header, int dataBytes)
    {
        var bytes = new List<byte> { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0 };
        byte[] text = Encoding.ASCII.GetBytes(header + "\n");
        bytes.AddRange(BitConverter.GetBytes((ushort)text.Length));
        bytes.AddRange(text);
        bytes.AddRange(new byte[dataBytes]);
        return [.. bytes];
    }

    private static string Dict(string shape, string descr = "'<f4'", string fortran = "False") =>
        $"{{'descr': {descr}, 'fortran_order': {fortran}, 'shape': {shape}, }}";

    [Fact]
    public void TheHandBuiltHeaderOfTheseTestsIsAccepted()
    {
        NpyFeatures read = NpyReader.ParseFeatures(File1(Dict("(2, 3)"), 24), "hand.npy");
        Assert.Equal([2, 3], read.Shape.ToArray());
        Assert.Equal(new float[6], read.Data.Features.ToArray());
        Assert.Equal(7, NpyReader.ParseFeatures(File1(Dict("(7,)"), 28), "one.npy").Data.Count);
    }

    public static TheoryData<string, byte[], string> Malformed() => new()
    {
        { "a shape beyond the data", File1(Dict("(1000000, 1000000)"), 24), "the shape [1000000, 1000000] of 4-byte values needs more bytes than the 24" },
        { "a shape whose product overflows", File1(Dict("(999999999999999999, 999999999999999999, 999999999999999999)"), 24), "needs more bytes than the 24" },
        { "truncated data", File1(Dict("(2, 3)"), 23), "needs more bytes than the 23" },
        { "trailing bytes", File1(Dict("(2, 3)"), 25), "1 bytes follow the 24 bytes of data that the shape [2, 3]" },
        { "a dimension of 0 after the samples", File1(Dict("(2, 0)"), 0), "the samples hold no values (shape [2, 0])" },
        { "a dimension of 19 digits", File1(Dict("(1000000000000000000,)"), 0), "a dimension has more than 18 digits" },
        { "a negative dimension", File1(Dict("(-2, 3)"), 24), "expected a dimension (a non-negative integer)" },
        { "(n) for a tuple", File1(Dict("(6)"), 24), "'(n,)'" },
        { "a missing key", File1("{'descr': '<f4', 'shape': (2, 3), }", 24), "no 'fortran_order' key" },
        { "an unknown key", File1("{'descr': '<f4', 'fortran_order': False, 'shape': (6,), 'x': 1}", 24), "the key 'x' is not one of" },
        { "a repeated key", File1("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (6,)}", 24), "the key 'descr' appears twice" },
        { "fortran_order not a boolean", File1(Dict("(6,)", fortran: "0"), 24), "expected True or False" },
        { "an unclosed string", File1("{'descr': '<f4", 0), "the dtype string holds a byte 0x0A" },
        { "a value without a separator", File1("{'descr': '<f4' 'shape': (6,)}", 24), "expected ',' or '}' after a value" },
        { "text after the dict", File1(Dict("(6,)") + " x", 24), "text follows the closing '}'" },
        { "not a dict", File1("[1, 2]", 24), "expected '{' opening the header dict" },
        { "no magic", [.. "NUMPY\x01\x00"u8, 0, 0], "is not a NumPy .npy file" },
        { "version 4.0", [0x93, .. "NUMPY"u8, 4, 0, 0, 0, 0, 0], "format version 4.0 is not supported; expected 1.0, 2.0 or 3.0" },
        { "a header length beyond the file", [0x93, .. "NUMPY"u8, 2, 0, 0xFF, 0xFF, 0xFF, 0xFF, (byte)'{'], "the header declares 4294967295 bytes, 1 follow" },
        { "a cut in the length", [0x93, .. "NUMPY"u8, 2, 0, 0x10], "truncated inside its .npy header" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void MalformedFilesAreRefusedWithTheirProblem(string what, byte[] content, string problem)
    {
        string message = Refusal(() => NpyReader.ParseFeatures(content, "bad.npy"));
        Assert.True(message.StartsWith("bad.npy", StringComparison.Ordinal) && message.Contains(problem, StringComparison.Ordinal), $"{what}: {message}");
    }

    [Fact]
    public void AllocationStaysWithinTheFileSizeWhateverTheShapeClaims()
    {
        byte[] content = File1(Dict("(268435455, 4)"), 64);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Refusal(() => NpyReader.ParseFeatures(content, "huge.npy"));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64 * 1024, "refusing a huge declared shape allocated more than 64 KiB");
    }
}
