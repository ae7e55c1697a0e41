namespace NativeBn.Cli.Bench;

/// <summary>
/// Batch normalization on channels-last <c>[N, C]</c> written as plain scalar loops the way most code does it:
/// float sums, two passes for the variance, folded coefficients, and the textbook backward. The baseline that
/// <c>nativebn bench</c> and the BenchmarkDotNet suite (which links this file) measure NativeBn against.
/// </summary>
internal sealed class ScalarBatchNorm(int n, int c, float epsilon)
{
    private readonly float[] _mean = new float[c];
    private readonly float[] _inverseStd = new float[c];
    private readonly float[] _sumDy = new float[c];
    private readonly float[] _sumDyXHat = new float[c];

    /// <summary>See the class summary.</summary>
    public void Infer(ReadOnlySpan<float> x, ReadOnlySpan<float> scale, ReadOnlySpan<float> shift, Span<float> y)
    {
        for (int r = 0; r < n; r++)
        {
            for (int j = 0; j < c; j++)
            {
                y[r * c + j] = x[r * c + j] * scale[j] + shift[j];
            }
        }
    }

    /// <summary>See the class summary.</summary>
    public void TrainForward(ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, Span<float> y)
    {
        for (int j = 0; j < c; j++)
        {
            float sum = 0;
            for (int r = 0; r < n; r++)
            {
                sum += x[r * c + j];
            }

            float mean = sum / n;
            float squares = 0;
            for (int r = 0; r < n; r++)
            {
                float d = x[r * c + j] - mean;
                squares += d * d;
            }

            _mean[j] = mean;
            _inverseStd[j] = 1f / MathF.Sqrt(squares / n + epsilon);
        }

        for (int r = 0; r < n; r++)
        {
            for (int j = 0; j < c; j++)
            {
                y[r * c + j] = gamma[j] * (x[r * c + j] - _mean[j]) * _inverseStd[j] + beta[j];
            }
        }
    }

    /// <summary>See the class summary.</summary>
    public void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, ReadOnlySpan<float> gamma, Span<float> dx)
    {
        Array.Clear(_sumDy);
        Array.Clear(_sumDyXHat);
        for (int r = 0; r < n; r++)
        {
            for (int j = 0; j < c; j++)
            {
                float g = dy[r * c + j];
                _sumDy[j] += g;
                _sumDyXHat[j] += g * (x[r * c + j] - _mean[j]) * _inverseStd[j];
            }
        }

        for (int r = 0; r < n; r++)
        {
            for (int j = 0; j < c; j++)
            {
                float xHat = (x[r * c + j] - _mean[j]) * _inverseStd[j];
                dx[r * c + j] = gamma[j] * _inverseStd[j] / n * (n * dy[r * c + j] - _sumDy[j] - xHat * _sumDyXHat[j]);
            }
        }
    }
}
