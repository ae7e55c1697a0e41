using Microsoft.Extensions.DependencyInjection;
using NativeBn.Data;
using NativeBn.Model;
using NativeBn.Network;
using NativeBn.Serialization;

namespace NativeBn.Hosting.Tests;

/// <summary>
/// A training distribution of independent Gaussian features with different means and standard deviations, a model whose
/// first layer is BatchNorm over those raw features (BatchNorm → Dense → BatchNorm → ReLU → Dense) with exact population
/// statistics of that distribution, and a small CNN (1x1 convolution → BatchNorm → ReLU → global average pool → Dense)
/// likewise; served from streams in the Population regime.
/// </summary>
internal static class DriftModels
{
    public const int Features = 8;
    public const int ImageChannels = 3;
    public const int ImageSide = 6;

    public static double MeanOf(int feature) => feature - 3.5;

    public static double StdOf(int feature) => 0.5 + 0.25 * feature;

    /// <summary>The MLP with the population statistics of 20,000 training samples in both BatchNorm layers.</summary>
    public static ModelDescription Mlp { get; } = Calibrate(
        new SequentialBuilder(Features, 21).BatchNorm().Dense(16).BatchNorm().Relu().Dense(4).Describe(), Features, 20_000);

    /// <summary>The CNN with the population statistics of 2,000 training images; channel k of every pixel is Gaussian (MeanOf(k), StdOf(k)).</summary>
    public static ModelDescription Cnn { get; } = Calibrate(
        new SequentialBuilder(ImageChannels, ImageSide, ImageSide, 22).Conv2d(4, 1).BatchNorm().Relu().GlobalAveragePool().Flatten().Dense(3).Describe(),
        ImageChannels * ImageSide * ImageSide, 2_000);

    /// <summary>A container serving <paramref name="model"/> as "m" from a stream, with <paramref name="configure"/> applied to its options.</summary>
    public static ServiceProvider Serve(ModelDescription model, Action<NativeBnModelOptions>? configure = null, CapturedLogs? logs = null)
    {
        byte[] bytes = ModelFile.Serialize(model);
        return Services.Build(o =>
        {
            NativeBnModelOptions options = o.AddStream("m", () => new MemoryStream(bytes));
            options.Regime = InferenceRegime.Population;
            configure?.Invoke(options);
        }, logs);
    }

    public static IModelHandle Handle(this ServiceProvider services) => services.GetRequiredService<INativeBnModels>().Get("m");

    /// <summary>
    /// Fills <paramref name="sample"/> from the training distribution, with feature (or image channel)
    /// <paramref name="shifted"/>'s mean moved by <paramref name="shift"/> of its standard deviation. Features of an image
    /// are its pixels, channel after channel.
    /// </summary>
    public static void Draw(Random random, Span<float> sample, int shifted = -1, double shift = 0)
    {
        int channels = sample.Length == Features ? Features : ImageChannels;
        int per = sample.Length / channels;
        for (int i = 0; i < sample.Length; i++)
        {
            int channel = i / per;
            double mean = MeanOf(channel) + (channel == shifted ? shift * StdOf(channel) : 0);
            sample[i] = (float)(mean + StdOf(channel) * Gaussian(random));
        }
    }

    /// <summary>A standard normal value (Box-Muller).</summary>
    public static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    private static ModelDescription Calibrate(ModelDescription model, int width, int count)
    {
        var random = new Random(7);
        var features = new float[width * count];
        for (int n = 0; n < count; n++)
        {
            Draw(random, features.AsSpan(n * width, width));
        }

        return PopulationRecalibration.Run(model, Dataset.Unlabeled(features, width));
    }
}
