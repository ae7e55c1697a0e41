namespace NativeBn.Tests.Reference;

/// <summary>
/// Double-precision scalar batch normalization written straight from the formulas, with its own indexing of
/// each layout: the oracle the engine is tested against.
/// </summary>
internal static class ReferenceBatchNorm
{
    /// <summary>Flat index of (n, c, h, w) in the shape's layout.</summary>
    public static int Index(TensorShape s, int n, int c, int h, int w) => s.Layout switch
    {
        TensorLayout.NC => n * s.Channels + c,
        TensorLayout.NCHW => ((n * s.Channels + c) * s.Height + h) * s.Width + w,
        TensorLayout.NHWC => ((n * s.Height + h) * s.Width + w) * s.Channels + c,
        _ => throw new ArgumentOutOfRangeException(nameof(s)),
    };

    /// <summary>Every flat index of channel c.</summary>
    public static IEnumerable<int> ChannelIndices(TensorShape s, int c)
    {
        for (int n = 0; n < s.Batch; n++)
        {
            for (int h = 0; h < s.Height; h++)
            {
                for (int w = 0; w < s.Width; w++)
                {
                    yield return Index(s, n, c, h, w);
                }
            }
        }
    }

    /// <summary>Two-pass mean and biased variance per channel.</summary>
    public static (double[] Mean, double[] Variance) Statistics(float[] x, TensorShape s)
    {
        var mean = new double[s.Channels];
        var variance = new double[s.Channels];
        for (int c = 0; c < s.Channels; c++)
        {
            double sum = 0;
            int count = 0;
            foreach (int i in ChannelIndices(s, c))
            {
                sum += x[i];
                count++;
            }

            mean[c] = sum / count;
            double squares = 0;
            foreach (int i in ChannelIndices(s, c))
            {
                double d = x[i] - mean[c];
                squares += d * d;
            }

            variance[c] = squares / count;
        }

        return (mean, variance);
    }

    /// <summary><c>y = gamma·(x - mean)/sqrt(var + eps) + beta</c> with the given statistics.</summary>
    public static double[] Normalize(
        float[] x, TensorShape s, double[] mean, double[] variance, float[] gamma, float[] beta, double eps,
        double[]? r = null, double[]? d = null)
    {
        var y = new double[x.Length];
        for (int c = 0; c < s.Channels; c++)
        {
            double inverseStd = 1 / Math.Sqrt(variance[c] + eps);
            foreach (int i in ChannelIndices(s, c))
            {
                double xHat = (x[i] - mean[c]) * inverseStd;
                y[i] = gamma[c] * (xHat * (r?[c] ?? 1) + (d?[c] ?? 0)) + beta[c];
            }
        }

        return y;
    }

    /// <summary>Gradients of batch-statistics normalization (renormalization factors r as constants).</summary>
    public static (double[] Dx, double[] DGamma, double[] DBeta) Backward(
        float[] x, float[] dy, TensorShape s, float[] gamma, double eps, double[]? r = null, double[]? d = null)
    {
        var (mean, variance) = Statistics(x, s);
        var dx = new double[x.Length];
        var dGamma = new double[s.Channels];
        var dBeta = new double[s.Channels];
        double n = s.ValuesPerChannel;
        for (int c = 0; c < s.Channels; c++)
        {
            double inverseStd = 1 / Math.Sqrt(variance[c] + eps);
            double rc = r?[c] ?? 1, dc = d?[c] ?? 0;
            double sumDy = 0, sumDyXHat = 0;
            foreach (int i in ChannelIndices(s, c))
            {
                double xHat = (x[i] - mean[c]) * inverseStd;
                sumDy += dy[i];
                sumDyXHat += dy[i] * xHat;
            }

            dBeta[c] = sumDy;
            dGamma[c] = rc * sumDyXHat + dc * sumDy;
            foreach (int i in ChannelIndices(s, c))
            {
                double xHat = (x[i] - mean[c]) * inverseStd;
                dx[i] = gamma[c] * rc * inverseStd / n * (n * dy[i] - sumDy - xHat * sumDyXHat);
            }
        }

        return (dx, dGamma, dBeta);
    }
}
