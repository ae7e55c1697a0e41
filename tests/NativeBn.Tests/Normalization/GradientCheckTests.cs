using NativeBn.Normalization;
using NativeBn.Tests.Reference;

namespace NativeBn.Tests.Normalization;

/// <summary>
/// The engine's gradients against central finite differences of the loss <c>L = Σ w·y</c>, where y is batch
/// normalization evaluated in double from its definition.
/// </summary>
public class GradientCheckTests
{
    public static TheoryData<TensorShape> Shapes() =>
    [
        TensorShape.Features(5, 3),
        TensorShape.Features(2, 17),
        TensorShape.ChannelsFirst(3, 2, 3, 5),
        TensorShape.ChannelsFirst(1, 3, 7, 3),
        TensorShape.ChannelsLast(3, 2, 3, 5),
        TensorShape.ChannelsLast(2, 1, 5, 18),
    ];

    [Theory]
    [MemberData(nameof(Shapes))]
    public void GradientsMatchFiniteDifferences(TensorShape shape)
    {
        BatchNorm layer = LayerFactory.Create(shape.Channels, 41);
        float[] x = TestData.Channelwise(shape, 43);
        float[] w = TestData.Gaussian(x.Length, 47);
        var y = new float[x.Length];
        var dx = new float[x.Length];
        layer.Forward(x, shape, y, BatchNormMode.Training);
        layer.Backward(x, w, shape, dx);

        double eps = layer.Options.Conventions.Epsilon;
        double[] xs = LayerFactory.ToDouble(x);
        double[] gamma = LayerFactory.ToDouble(layer.Gamma);
        double[] beta = LayerFactory.ToDouble(layer.Beta);
        double Loss() => LossOf(xs, gamma, beta, w, shape, eps);

        double[] numericDx = FiniteDifferences.Gradient(xs, Loss);
        double[] numericGamma = FiniteDifferences.Gradient(gamma, Loss);
        double[] numericBeta = FiniteDifferences.Gradient(beta, Loss);

        double scale = numericDx.Max(Math.Abs);
        Assertions.Close(numericDx.Select(v => v / scale).ToArray(), dx.Select(v => v / scale).ToArray(), 1e-4, $"dx {shape}");
        Assertions.Close(numericGamma, layer.GammaGradient, 1e-4, $"dgamma {shape}");
        Assertions.Close(numericBeta, layer.BetaGradient, 1e-4, $"dbeta {shape}");
    }

    /// <summary><c>Σ w·(gamma·(x - mean)/sqrt(var + eps) + beta)</c> with the batch's own mean and biased variance.</summary>
    private static double LossOf(double[] x, double[] gamma, double[] beta, float[] w, TensorShape shape, double eps)
    {
        double loss = 0;
        for (int c = 0; c < shape.Channels; c++)
        {
            int[] indices = ReferenceBatchNorm.ChannelIndices(shape, c).ToArray();
            double mean = indices.Average(i => x[i]);
            double variance = indices.Average(i => (x[i] - mean) * (x[i] - mean));
            foreach (int i in indices)
            {
                loss += w[i] * (gamma[c] * (x[i] - mean) / Math.Sqrt(variance + eps) + beta[c]);
            }
        }

        return loss;
    }
}
