using NativeBn.Data;
using NativeBn.Model;

namespace NativeBn.Cli;

/// <summary>
/// The data a command read: the training (or calibration) part, the test (or evaluation) part, a description, and the
/// shape the file gave the samples, so that a model's input can be checked against it with both shapes in the message.
/// </summary>
/// <param name="Train">Training or calibration samples.</param>
/// <param name="Test">Test or evaluation samples (the same as <paramref name="Train"/> for a single file).</param>
/// <param name="Description">What was read, for the command's report.</param>
/// <param name="Source">The file name (or "the embedded MNIST sample", "standard input") that errors name.</param>
/// <param name="Shape">The data's shape as the file holds it, samples first: <c>[N, 3, 32, 32]</c> for a .npy
/// array, <c>[N, rows, cols]</c> for IDX images, <c>[N, fields]</c> for CSV rows.</param>
internal sealed record ResolvedData(Dataset Train, Dataset Test, string Description, string Source, int[] Shape)
{
    /// <summary>The train part, test part and description.</summary>
    public void Deconstruct(out Dataset train, out Dataset test, out string description)
    {
        train = Train;
        test = Test;
        description = Description;
    }

    /// <summary>One file serving as both parts.</summary>
    public static ResolvedData Single(Dataset data, string description, string source, ReadOnlySpan<int> sampleShape) =>
        new(data, data, description, source, [data.Count, .. sampleShape]);

    /// <summary>
    /// Checks that the samples fit a model's input: the same values per sample, and where both the data and the input
    /// have more than one dimension per sample, the same dimensions once those of size 1 are dropped (so <c>[N, 28, 28]</c>
    /// feeds <c>[N, 1, 28, 28]</c>, while <c>[N, 32, 32, 3]</c>, channels last, does not feed <c>[N, 3, 32, 32]</c>).
    /// </summary>
    /// <exception cref="CliException">The samples do not fit; the message names both shapes.</exception>
    public void RequireInput(ShapeInfo input)
    {
        long width = input.ValuesPerSample;
        string data = $"{Source} holds {ShapeText(Shape)}";
        if (Train.Width != width)
        {
            throw new CliException($"{data} ({Train.Width} values per sample); the model takes {input} ({width} values per sample).");
        }

        int[] sample = [.. Shape.Skip(1).Where(d => d != 1)];
        int[] model = [.. input.Dimensions.Skip(input.Dimensions[0].IsBatch ? 1 : 0).Select(d => d.Size).Where(d => d != 1)];
        if (Shape.Length > 2 && input.Rank > 2 && !sample.SequenceEqual(model))
        {
            throw new CliException(
                $"{data}; the model takes {input}: the same {width} values per sample in another layout. Reorder the axes to the model's " +
                "(channels first: np.transpose(x, (0, 3, 1, 2)) turns [N, H, W, C] into [N, C, H, W]).");
        }
    }

    private static string ShapeText(int[] shape) => "[" + string.Join(", ", shape) + "]";
}
