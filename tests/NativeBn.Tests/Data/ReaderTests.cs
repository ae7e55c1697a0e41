using System.Buffers.Binary;
using System.IO.Compression;
using NativeBn.Data;
using NativeBn.Datasets;

namespace NativeBn.Tests.Data;

public class ReaderTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("nativebn-readers").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string WriteIdx(string name, byte type, int[] dims, byte[] values, bool gzip = false)
    {
        var content = new List<byte> { 0, 0, type, (byte)dims.Length };
        foreach (int d in dims)
        {
            var size = new byte[4];
            BinaryPrimitives.WriteInt32BigEndian(size, d);
            content.AddRange(size);
        }

        content.AddRange(values);
        string path = Path.Combine(_folder, name);
        if (gzip)
        {
            using var file = File.Create(path);
            using var stream = new GZipStream(file, CompressionLevel.Fastest);
            stream.Write(content.ToArray());
        }
        else
        {
            File.WriteAllBytes(path, [.. content]);
        }

        return path;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void IdxImagesAndLabelsBecomeADataset(bool gzip)
    {
        byte[] pixels = [.. Enumerable.Range(0, 3 * 2 * 2).Select(i => (byte)(i * 20))];
        string images = WriteIdx("images", 0x08, [3, 2, 2], pixels, gzip);
        string labels = WriteIdx("labels", 0x08, [3], [7, 0, 9], gzip);

        Dataset data = IdxReader.Read(images, labels);

        Assert.Equal((3, 4, 10), (data.Count, data.Width, data.Classes));
        Assert.Equal([7, 0, 9], data.Labels.ToArray());
        Assert.Equal(pixels.Select(p => p / 255f).ToArray(), data.Features.ToArray());
    }

    [Fact]
    public void BrokenIdxFilesGiveClearErrors()
    {
        string labels = WriteIdx("labels", 0x08, [2], [1, 2]);
        Assert.Contains("value type 0x0D", Assert.Throws<DataFormatException>(() => IdxReader.Read(WriteIdx("float", 0x0D, [2, 1, 1], [0, 0]), labels)).Message);
        Assert.Contains("holds 3 values", Assert.Throws<DataFormatException>(() => IdxReader.Read(WriteIdx("short", 0x08, [2, 2, 1], [1, 2, 3]), labels)).Message);
        Assert.Contains("3 images but", Assert.Throws<DataFormatException>(() => IdxReader.Read(WriteIdx("three", 0x08, [3, 1, 1], [1, 2, 3]), labels)).Message);
        Assert.Contains("label 0 is 12", Assert.Throws<DataFormatException>(() => IdxReader.Read(WriteIdx("two", 0x08, [2, 1, 1], [1, 2]), WriteIdx("bad", 0x08, [2], [12, 1]))).Message);
        File.WriteAllText(Path.Combine(_folder, "text"), "hello");
        Assert.Contains("not an IDX file", Assert.Throws<DataFormatException>(() => IdxReader.ReadFile(Path.Combine(_folder, "text"), 1)).Message);
        Assert.Contains("Cannot read", Assert.Throws<DataFormatException>(() => IdxReader.ReadFile(Path.Combine(_folder, "missing"), 1)).Message);
    }

    [Fact]
    public void CsvRowsWithLabelsAndHeaderAreRead()
    {
        var text = new StringReader("label,a,b\n1, 0.5,-2\n\n0,1e-3,3\n");
        CsvTable table = CsvReader.Read(text, "test.csv", CsvLabel.First);
        Assert.Equal(2, table.Width);
        Assert.Equal([1, 0], table.Labels);
        Assert.Equal([0.5f, -2f, 1e-3f, 3f], table.Features);
        Assert.Equal(["label", "a", "b"], table.Header);
    }

    [Fact]
    public void CsvLabelColumnIsFoundByItsHeaderName()
    {
        var text = new StringReader("age,income,churned\n31,2.5,1\n45,1.25,0\n");
        CsvTable table = CsvReader.Read(text, "customers.csv", CsvLabel.Named("churned"));
        Assert.Equal(2, table.Width);
        Assert.Equal([1, 0], table.Labels);
        Assert.Equal([31f, 2.5f, 45f, 1.25f], table.Features);
    }

    [Theory]
    [InlineData("1,2\n3\n", "test.csv:2: the row has 1 fields; earlier rows have 2.")]
    [InlineData("1,abc\n", "test.csv:1, field 2: 'abc' is not a number.")]
    [InlineData("abc,0.1,0.2\n1,2,3\n", "test.csv:1, field 1: 'abc' is not a number.")]
    [InlineData("1,NaN\n", "test.csv:1, field 2: NaN is not finite.")]
    [InlineData("", "test.csv holds no rows.")]
    [InlineData("a,b\n", "test.csv holds no rows after its header.")]
    [InlineData("1;2;3\n4;5;6\n", "test.csv:1: the fields are separated by ';'; NativeBn reads comma-separated values.")]
    public void BadCsvGivesALineNumberedError(string content, string message)
    {
        var error = Assert.Throws<DataFormatException>(() => CsvReader.Read(new StringReader(content), "test.csv", CsvLabel.None));
        Assert.Equal(message, error.Message);
    }

    [Theory]
    [InlineData("0,1,2\n2000000000,2,3\n", "First", "test.csv:2, field 1: the label '2000000000' is not a class index from 0 to 99999.")]
    [InlineData("0,1,2\n-1,2,3\n", "First", "test.csv:2, field 1: the label '-1' is not a class index from 0 to 99999.")]
    [InlineData("x,y\n1,2\n", "z", "test.csv: the header has no column 'z'; its columns are 'x', 'y'.")]
    [InlineData("1,2\n", "y", "test.csv:1: the label column 'y' is named, so the file needs a header row naming its columns; the first row holds numbers.")]
    [InlineData("x,y\n1,2.5\n", "y", "test.csv:2, field 2 ('y'): the label '2.5' is not a class index from 0 to 99999.")]
    public void BadLabelsAreNamedWithTheirLine(string content, string label, string message)
    {
        CsvLabel where = label == "First" ? CsvLabel.First : CsvLabel.Named(label);
        var error = Assert.Throws<DataFormatException>(() => CsvReader.Read(new StringReader(content), "test.csv", where));
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void EmbeddedMnistSampleHasTheDocumentedContent()
    {
        Dataset all = MnistSample.Load();
        Assert.Equal((10_000, 784, 10), (all.Count, all.Width, all.Classes));
        int[] perClass = [.. Enumerable.Range(0, 10).Select(k => all.Labels.ToArray().Count(l => l == k))];
        Assert.Equal([1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978], perClass);
        Assert.All(all.Features.ToArray(), v => Assert.InRange(v, 0f, 1f));
        Assert.Equal([0.2f, 0.624f, 0.992f], all.Sample(0).Slice(127, 3).ToArray());
        Assert.Equal([0.039f, 0.525f, 0.851f], all.Sample(9_999).Slice(180, 3).ToArray());
        Assert.Equal(9, all.Labels[9_999]);
        var (train, test) = MnistSample.LoadSplit();
        Assert.Equal((8000, 2000), (train.Count, test.Count));
        Assert.Equal(train.Sample(0).ToArray(), MnistSample.LoadSplit().Train.Sample(0).ToArray());
    }
}
