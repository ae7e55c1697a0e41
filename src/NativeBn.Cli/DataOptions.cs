using System.CommandLine;
using NativeBn.Data;
using NativeBn.Datasets;

namespace NativeBn.Cli;

/// <summary>
/// The data a command works on: the embedded MNIST sample (default; its fixed 8,000/2,000 split), a pair of IDX
/// files, a CSV file with the label in the first column, or a NumPy .npy features file with a .npy labels file (for the
/// last two the whole file serves as both parts). Only one source may be given.
/// </summary>
internal sealed class DataOptions
{
    public Option<FileInfo?> Images { get; } = new("--images") { Description = "IDX image file (MNIST or Fashion-MNIST layout, optionally gzipped); with --labels (optional for recalibrate and diagnose, which need no labels)" };

    public Option<FileInfo?> Labels { get; } = new("--labels") { Description = "IDX label file matching --images" };

    public Option<FileInfo?> Csv { get; } = new("--csv") { Description = "CSV file: label in the first column (or the one --label-column names), then the features" };

    public Option<string?> LabelColumn { get; } = new("--label-column") { Description = "With --csv: the header name of the label column (the file then needs a header row)" };

    public Option<FileInfo?> Npy { get; } = new("--npy")
    {
        Description = "NumPy .npy file of little-endian float32 or float64 samples, [N, features] or [N, C, H, W] (C order, as np.save writes); with --npy-labels (optional for recalibrate and diagnose)",
    };

    public Option<FileInfo?> NpyLabels { get; } = new("--npy-labels") { Description = "NumPy .npy file of N integer class labels (int64, int32 or uint8) matching --npy" };

    public void AddTo(Command command)
    {
        command.Options.Add(Images);
        command.Options.Add(Labels);
        command.Options.Add(Csv);
        command.Options.Add(LabelColumn);
        command.Options.Add(Npy);
        command.Options.Add(NpyLabels);
    }

    /// <summary>The training (or calibration) part and the test (or evaluation) part, plus a description.</summary>
    public ResolvedData Resolve(ParseResult parse) => Resolve(parse, rank: null);

    /// <summary>
    /// As <see cref="Resolve(ParseResult)"/> for one rank of an MPI job: <c>{rank}</c> in a file name becomes the rank,
    /// so each rank can read its own shard.
    /// </summary>
    public ResolvedData Resolve(ParseResult parse, int? rank)
    {
        FileInfo? images = ForRank(parse.GetValue(Images), rank), labels = ForRank(parse.GetValue(Labels), rank), csv = ForRank(parse.GetValue(Csv), rank);
        FileInfo? npy = ForRank(parse.GetValue(Npy), rank), npyLabels = ForRank(parse.GetValue(NpyLabels), rank);
        RequireOneSource(parse);
        if ((images is null) != (labels is null))
        {
            throw new CliException("--images and --labels go together.");
        }

        if (images is not null)
        {
            (Dataset data, int rows, int columns) = IdxReader.ReadSized(images.FullName, labels!.FullName);
            return ResolvedData.Single(data, $"IDX {images.Name} ({data.Count} samples)", images.Name, [rows, columns]);
        }

        if (npy is not null)
        {
            if (npyLabels is null)
            {
                throw new CliException("--npy needs --npy-labels here: training and accuracy need a label per sample (recalibrate and diagnose do not).");
            }

            NpyFeatures read = NpyReader.Read(npy.FullName, npyLabels.FullName);
            return ResolvedData.Single(read.Data, $"NumPy {npy.Name} {read} ({read.Data.Count} samples)", npy.Name, read.SampleShape);
        }

        string? labelColumn = parse.GetValue(LabelColumn);
        if (labelColumn is not null && csv is null)
        {
            throw new CliException("--label-column names a column of the --csv file; add --csv.");
        }

        if (csv is not null)
        {
            CsvTable table = CsvReader.ReadFile(csv.FullName, labelColumn is null ? CsvLabel.First : CsvLabel.Named(labelColumn));
            int classes = table.Labels.Max() + 1;
            Dataset data = new(table.Features, table.Labels, table.Width, Math.Max(classes, 2));
            return ResolvedData.Single(data, $"CSV {csv.Name} ({data.Count} samples)", csv.Name, [table.Width]);
        }

        (Dataset train, Dataset test) = MnistSample.LoadSplit();
        return new ResolvedData(train, test, $"embedded MNIST sample ({train.Count} train / {test.Count} test)", "the embedded MNIST sample", [train.Count, MnistSample.Side, MnistSample.Side]);
    }

    /// <summary>The data files given, with their options (for checks that outputs do not overwrite them).</summary>
    public (FileInfo? File, string Option)[] Files(ParseResult parse) =>
    [
        (parse.GetValue(Images), "--images"), (parse.GetValue(Labels), "--labels"), (parse.GetValue(Csv), "--csv"),
        (parse.GetValue(Npy), "--npy"), (parse.GetValue(NpyLabels), "--npy-labels"),
    ];

    /// <summary>
    /// Data for statistics (recalibration, drift), where labels are optional: an IDX image file or a .npy file alone,
    /// a CSV file whose rows hold exactly the model's <paramref name="modelWidth"/> features (unlabeled), or one more
    /// field (the label first) or a <c>--label-column</c>; the embedded sample and labeled files as usual.
    /// </summary>
    public ResolvedData ResolveForStatistics(ParseResult parse, long modelWidth)
    {
        RequireOneSource(parse);
        FileInfo? images = parse.GetValue(Images), labels = parse.GetValue(Labels), csv = parse.GetValue(Csv);
        FileInfo? npy = parse.GetValue(Npy), npyLabels = parse.GetValue(NpyLabels);
        if (images is not null && labels is null)
        {
            (Dataset unlabeled, int rows, int columns) = IdxReader.ReadSized(images.FullName, null);
            return ResolvedData.Single(unlabeled, $"IDX {images.Name} ({unlabeled.Count} samples, no labels)", images.Name, [rows, columns]);
        }

        if (npy is not null && npyLabels is null)
        {
            NpyFeatures read = NpyReader.ReadFeatures(npy.FullName);
            return ResolvedData.Single(read.Data, $"NumPy {npy.Name} {read} ({read.Data.Count} samples, no labels)", npy.Name, read.SampleShape);
        }

        if (csv is not null && parse.GetValue(LabelColumn) is null)
        {
            CsvTable table = CsvReader.ReadFile(csv.FullName, CsvLabel.None);
            if (table.Width == modelWidth)
            {
                Dataset unlabeled = Dataset.Unlabeled(table.Features, table.Width);
                return ResolvedData.Single(unlabeled, $"CSV {csv.Name} ({unlabeled.Count} samples, no labels)", csv.Name, [table.Width]);
            }

            if (table.Width != modelWidth + 1)
            {
                throw new CliException(
                    $"The rows of {csv.Name} have {table.Width} fields; the model takes {modelWidth} features (or {modelWidth + 1} with the label first, or name it with --label-column).");
            }
        }

        return Resolve(parse);
    }

    /// <summary>Refuses more than one data source, and label files without their samples.</summary>
    private void RequireOneSource(ParseResult parse)
    {
        int sources = (parse.GetValue(Csv) is null ? 0 : 1)
            + (parse.GetValue(Images) is null && parse.GetValue(Labels) is null ? 0 : 1)
            + (parse.GetValue(Npy) is null && parse.GetValue(NpyLabels) is null ? 0 : 1);
        if (sources > 1)
        {
            throw new CliException("Give one data source: --csv, --images (with --labels) or --npy (with --npy-labels), not several.");
        }

        if (parse.GetValue(NpyLabels) is not null && parse.GetValue(Npy) is null)
        {
            throw new CliException("--npy-labels labels the samples of an --npy file; add --npy.");
        }
    }

    /// <summary>True when any data file name holds the <c>{rank}</c> placeholder.</summary>
    public bool IsSharded(ParseResult parse) =>
        Files(parse).Any(f => f.File is not null && f.File.FullName.Contains(RankPlaceholder, StringComparison.Ordinal));

    private const string RankPlaceholder = "{rank}";

    private static FileInfo? ForRank(FileInfo? file, int? rank) =>
        file is null || rank is not { } r ? file : new FileInfo(file.FullName.Replace(RankPlaceholder, r.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));
}
