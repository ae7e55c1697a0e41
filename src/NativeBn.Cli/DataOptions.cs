using System.CommandLine;
using NativeBn.Data;
using NativeBn.Datasets;

namespace NativeBn.Cli;

/// <summary>
/// The data a command works on: the embedded MNIST sample (default; its fixed 8,000/2,000 split), a pair of IDX
/// files, or a CSV file with the label in the first column (then the whole file serves as both parts).
/// </summary>
internal sealed class DataOptions
{
    public Option<FileInfo?> Images { get; } = new("--images") { Description = "IDX image file (MNIST or Fashion-MNIST layout, optionally gzipped); with --labels (optional for recalibrate and diagnose, which need no labels)" };

    public Option<FileInfo?> Labels { get; } = new("--labels") { Description = "IDX label file matching --images" };

    public Option<FileInfo?> Csv { get; } = new("--csv") { Description = "CSV file: label in the first column (or the one --label-column names), then the features" };

    public Option<string?> LabelColumn { get; } = new("--label-column") { Description = "With --csv: the header name of the label column (the file then needs a header row)" };

    public void AddTo(Command command)
    {
        command.Options.Add(Images);
        command.Options.Add(Labels);
        command.Options.Add(Csv);
        command.Options.Add(LabelColumn);
    }

    /// <summary>The training (or calibration) part and the test (or evaluation) part, plus a description.</summary>
    public (Dataset Train, Dataset Test, string Description) Resolve(ParseResult parse) => Resolve(parse, rank: null);

    /// <summary>
    /// As <see cref="Resolve(ParseResult)"/> for one rank of an MPI job: <c>{rank}</c> in a file name becomes the rank,
    /// so each rank can read its own shard.
    /// </summary>
    public (Dataset Train, Dataset Test, string Description) Resolve(ParseResult parse, int? rank)
    {
        FileInfo? images = ForRank(parse.GetValue(Images), rank), labels = ForRank(parse.GetValue(Labels), rank), csv = ForRank(parse.GetValue(Csv), rank);
        if (csv is not null && (images is not null || labels is not null))
        {
            throw new CliException("Give either --csv or --images with --labels, not both.");
        }

        if ((images is null) != (labels is null))
        {
            throw new CliException("--images and --labels go together.");
        }

        if (images is not null)
        {
            Dataset data = IdxReader.Read(images.FullName, labels!.FullName);
            return (data, data, $"IDX {images.Name} ({data.Count} samples)");
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
            return (data, data, $"CSV {csv.Name} ({data.Count} samples)");
        }

        (Dataset train, Dataset test) = MnistSample.LoadSplit();
        return (train, test, $"embedded MNIST sample ({train.Count} train / {test.Count} test)");
    }

    /// <summary>The data files given, with their options (for checks that outputs do not overwrite them).</summary>
    public (FileInfo? File, string Option)[] Files(ParseResult parse) =>
        [(parse.GetValue(Images), "--images"), (parse.GetValue(Labels), "--labels"), (parse.GetValue(Csv), "--csv")];

    /// <summary>
    /// Data for statistics (recalibration, drift), where labels are optional: an IDX image file alone, a CSV file whose
    /// rows hold exactly the model's <paramref name="modelWidth"/> features (unlabeled), or one more field (the label
    /// first) or a <c>--label-column</c>; the embedded sample and image/label pairs as usual.
    /// </summary>
    public (Dataset Calibration, Dataset Evaluation, string Description) ResolveForStatistics(ParseResult parse, long modelWidth)
    {
        FileInfo? images = parse.GetValue(Images), labels = parse.GetValue(Labels), csv = parse.GetValue(Csv);
        if (images is not null && labels is null && csv is null)
        {
            Dataset unlabeled = IdxReader.ReadImages(images.FullName);
            return (unlabeled, unlabeled, $"IDX {images.Name} ({unlabeled.Count} samples, no labels)");
        }

        if (csv is not null && images is null && labels is null && parse.GetValue(LabelColumn) is null)
        {
            CsvTable table = CsvReader.ReadFile(csv.FullName, CsvLabel.None);
            if (table.Width == modelWidth)
            {
                Dataset unlabeled = Dataset.Unlabeled(table.Features, table.Width);
                return (unlabeled, unlabeled, $"CSV {csv.Name} ({unlabeled.Count} samples, no labels)");
            }

            if (table.Width != modelWidth + 1)
            {
                throw new CliException(
                    $"The rows of {csv.Name} have {table.Width} fields; the model takes {modelWidth} features (or {modelWidth + 1} with the label first, or name it with --label-column).");
            }
        }

        return Resolve(parse);
    }

    /// <summary>True when any data file name holds the <c>{rank}</c> placeholder.</summary>
    public bool IsSharded(ParseResult parse) =>
        new[] { parse.GetValue(Images), parse.GetValue(Labels), parse.GetValue(Csv) }.Any(f => f is not null && f.FullName.Contains(RankPlaceholder, StringComparison.Ordinal));

    private const string RankPlaceholder = "{rank}";

    private static FileInfo? ForRank(FileInfo? file, int? rank) =>
        file is null || rank is not { } r ? file : new FileInfo(file.FullName.Replace(RankPlaceholder, r.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));
}
