using NativeBn.Network;
using NativeBn.Tests.Reference;

namespace NativeBn.Tests.Network;

/// <summary>
/// Every parameter gradient of a whole small network (Dense → BatchNorm → ReLU → Dense → softmax cross-entropy)
/// against central finite differences of the loss evaluated in double from the definitions.
/// </summary>
public class NetworkGradientTests
{
    [Fact]
    public void ParameterGradientsMatchFiniteDifferences()
    {
        Sequential model = ModelFactory.Small(seed: 5);
        var (x, labels) = ModelFactory.Batch(7, 5, 3, seed: 9);
        var dense1 = (DenseLayer)model.Layers[0];
        var batchNorm = ((BatchNormLayer)model.Layers[1]).BatchNorm;
        var dense2 = (DenseLayer)model.Layers[3];
        double[][] parameters =
        [
            ToDouble(dense1.Weight), ToDouble(dense1.Bias), ToDouble(batchNorm.Gamma), ToDouble(batchNorm.Beta),
            ToDouble(dense2.Weight), ToDouble(dense2.Bias),
        ];
        string[] names = ["0.weight", "0.bias", "1.weight", "1.bias", "3.weight", "3.bias"];
        double eps = batchNorm.Options.Conventions.Epsilon;
        var recorder = new RecordingOptimizer();

        float loss = model.TrainStep(x, labels, recorder);

        Assertions.Close(Loss(x, labels, parameters, eps), loss, 1e-5, "loss");
        for (int p = 0; p < parameters.Length; p++)
        {
            double[] numeric = FiniteDifferences.Gradient(parameters[p], () => Loss(x, labels, parameters, eps));
            Assertions.Close(numeric, recorder.Gradients[names[p]], 2e-4, $"d(loss)/d({names[p]})");
        }
    }

    private static double[] ToDouble(ReadOnlySpan<float> values) => [.. values.ToArray().Select(v => (double)v)];

    /// <summary>Mean cross-entropy of softmax(Dense2(ReLU(BN(Dense1(x))))) with batch statistics, in double.</summary>
    private static double Loss(float[] x, int[] labels, double[][] p, double eps)
    {
        int n = labels.Length, inputs = 5, hidden = 4, classes = 3;
        var h = new double[n, hidden];
        for (int s = 0; s < n; s++)
        {
            for (int o = 0; o < hidden; o++)
            {
                double sum = p[1][o];
                for (int i = 0; i < inputs; i++)
                {
                    sum += p[0][o * inputs + i] * x[s * inputs + i];
                }

                h[s, o] = sum;
            }
        }

        for (int o = 0; o < hidden; o++)
        {
            double mean = 0, variance = 0;
            for (int s = 0; s < n; s++)
            {
                mean += h[s, o] / n;
            }

            for (int s = 0; s < n; s++)
            {
                variance += (h[s, o] - mean) * (h[s, o] - mean) / n;
            }

            for (int s = 0; s < n; s++)
            {
                h[s, o] = Math.Max(0, p[2][o] * (h[s, o] - mean) / Math.Sqrt(variance + eps) + p[3][o]);
            }
        }

        double loss = 0;
        for (int s = 0; s < n; s++)
        {
            var logits = new double[classes];
            for (int k = 0; k < classes; k++)
            {
                logits[k] = p[5][k];
                for (int o = 0; o < hidden; o++)
                {
                    logits[k] += p[4][k * hidden + o] * h[s, o];
                }
            }

            double max = logits.Max();
            double log = Math.Log(logits.Sum(l => Math.Exp(l - max))) + max;
            loss += log - logits[labels[s]];
        }

        return loss / n;
    }
}
