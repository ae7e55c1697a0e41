using System.Globalization;
using NativeBn.Model;
using NativeBn.Normalization;

namespace NativeBn.Network;

/// <summary>
/// Sequential architectures written as short text, the form <c>nativebn train --architecture</c> takes:
/// comma-separated layers <c>dense:N</c>, <c>batchnorm</c>, <c>relu</c>, <c>dropout:RATE</c> and <c>softmax</c>, for example
/// <c>dense:128,batchnorm,relu,dropout:0.2,dense:64,batchnorm,relu,dense:10</c>, and for images <c>[N, C, H, W]</c>
/// also <c>conv:N:K</c> (N channels, K x K kernel, padding K/2) or <c>conv:N:K:S</c> (stride S), <c>maxpool:K</c> and
/// <c>avgpool:K</c> (stride K), <c>gap</c> (global average pooling) and <c>flatten</c>, for example
/// <c>conv:8:3,batchnorm,relu,maxpool:2,conv:16:3,batchnorm,relu,gap,flatten,dense</c>. The last dense layer may omit
/// its size (<c>dense</c>): it then has one output per class. A dense layer followed by a ReLU (possibly after BatchNorm
/// or dropout) starts with He-normal weights, any other with Xavier-uniform weights; convolutions start He-normal;
/// biases start at 0.
/// </summary>
public static class ArchitectureText
{
    /// <summary>
    /// The described model with initial weights: input <c>[N, inputWidth]</c>, BatchNorm layers with
    /// <paramref name="batchNorm"/>'s options, weights drawn from a generator seeded with <paramref name="seed"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The text names an unknown layer, a bad size or rate, or a final size other than <paramref name="classes"/>.</exception>
    public static ModelDescription Build(string text, int inputWidth, int classes, BatchNormOptions batchNorm, int seed) =>
        Build(text, new SequentialBuilder(inputWidth, seed), classes, batchNorm);

    /// <summary>
    /// The described model with initial weights for images <c>[N, channels, height, width]</c>; otherwise as
    /// <see cref="Build(string, int, int, BatchNormOptions, int)"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The text names an unknown layer, a bad size, a layer that does not fit the shape it receives, or a final size other than <paramref name="classes"/>.</exception>
    public static ModelDescription Build(string text, int channels, int height, int width, int classes, BatchNormOptions batchNorm, int seed) =>
        Build(text, new SequentialBuilder(channels, height, width, seed), classes, batchNorm);

    /// <summary>True when the text's first layer works on images (conv, pooling): the model then takes <c>[N, C, H, W]</c>.</summary>
    public static bool TakesImages(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string first = text.Split(',')[0].Trim().Split(':')[0];
        return first is "conv" or "maxpool" or "avgpool" or "gap" or "flatten";
    }

    private static ModelDescription Build(string text, SequentialBuilder builder, int classes, BatchNormOptions batchNorm)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(batchNorm);
        Check.Channels(classes, nameof(classes));
        string[] items = [.. text.Split(',').Select(item => item.Trim())];
        if (items.All(i => i.Length == 0))
        {
            throw new ArgumentException("The architecture is empty; write layers like dense:64,batchnorm,relu,dense.", nameof(text));
        }

        int lastDense = Array.FindLastIndex(items, i => i == "dense" || i.StartsWith("dense:", StringComparison.Ordinal));
        for (int k = 0; k < items.Length; k++)
        {
            string item = items[k];
            string kind = item.Split(':')[0];
            string? argument = item.Contains(':', StringComparison.Ordinal) ? item[(kind.Length + 1)..] : null;
            try
            {
                Add(builder, items, k, kind, argument, lastDense, classes, batchNorm, text);
            }
            catch (InvalidOperationException e)
            {
                throw new ArgumentException($"Layer {k + 1} of the architecture '{text}' ('{item}') does not fit: {e.Message}", nameof(text), e);
            }
        }

        ModelDescription model = builder.Describe();
        int outputWidth = (int)model.ShapeOf(model.Output).ValuesPerSample;
        if (outputWidth != classes || model.ShapeOf(model.Output).Rank != 2)
        {
            throw new ArgumentException(
                $"The architecture '{text}' ends with {model.ShapeOf(model.Output)}; the data has {classes} classes (end with 'dense' to match them).", nameof(text));
        }

        return model;
    }

    private static void Add(SequentialBuilder builder, string[] items, int k, string kind, string? argument, int lastDense, int classes, BatchNormOptions batchNorm, string text)
    {
        string item = items[k];
        string[] sizes = argument?.Split(':') ?? [];
        switch (kind)
        {
            case "dense":
                int outputs = argument is null && k == lastDense ? classes : Size(item, argument, text);
                builder.Dense(outputs, FeedsRelu(items, k) ? Initialization.He : Initialization.Xavier);
                break;
            case "batchnorm" when argument is null:
                builder.BatchNorm(batchNorm);
                break;
            case "relu" when argument is null:
                builder.Relu();
                break;
            case "softmax" when argument is null:
                builder.Softmax();
                break;
            case "dropout" when argument is not null:
                builder.Dropout(Rate(item, argument, text));
                break;
            case "conv" when sizes.Length is 2 or 3:
                builder.Conv2d(Size(item, sizes[0], text), Size(item, sizes[1], text), sizes.Length == 3 ? Size(item, sizes[2], text) : 1);
                break;
            case "maxpool" or "avgpool" when sizes.Length == 1:
                builder.Pool(Size(item, sizes[0], text), max: kind == "maxpool");
                break;
            case "gap" when argument is null:
                builder.GlobalAveragePool();
                break;
            case "flatten" when argument is null:
                builder.Flatten();
                break;
            default:
                throw new ArgumentException(
                    $"Layer {k + 1} of the architecture '{text}' is '{item}'; layers are dense:N, batchnorm, relu, dropout:RATE, softmax, and for images conv:N:K[:S], maxpool:K, avgpool:K, gap and flatten.", nameof(text));
        }
    }

    /// <summary>True when the dense layer at <paramref name="index"/> is followed by a ReLU before the next dense layer.</summary>
    private static bool FeedsRelu(string[] items, int index)
    {
        for (int k = index + 1; k < items.Length && !items[k].StartsWith("dense", StringComparison.Ordinal); k++)
        {
            if (items[k] == "relu")
            {
                return true;
            }
        }

        return false;
    }

    private static int Size(string item, string? argument, string text) =>
        int.TryParse(argument, NumberStyles.None, CultureInfo.InvariantCulture, out int size) && size >= 1 && size <= 1 << 20
            ? size
            : throw new ArgumentException($"'{item}' in the architecture '{text}' needs a size from 1 to {1 << 20} (like dense:64).", nameof(text));

    private static double Rate(string item, string argument, string text) =>
        double.TryParse(argument, NumberStyles.Float, CultureInfo.InvariantCulture, out double rate) && rate >= 0 && rate < 1
            ? rate
            : throw new ArgumentException($"'{item}' in the architecture '{text}' needs a rate in [0, 1) (like dropout:0.2).", nameof(text));
}
