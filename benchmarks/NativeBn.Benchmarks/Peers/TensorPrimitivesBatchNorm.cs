using System.Numerics.Tensors;

namespace NativeBn.Benchmarks.Peers;

/// <summary>
/// Batch normalization on channels-last <c>[N, C]</c> composed from <see cref="TensorPrimitives"/> the obvious way:
/// row-wise sums and sums of squares (<c>var = E[x²] - E[x]²</c> in float), folded coefficients, a fused
/// multiply-add per row; backward with the textbook formula. Single-threaded, as TensorPrimitives is.
/// </summary>
internal sealed class TensorPrimitivesBatchNorm(int n, int c, float epsilon)
{
    private readonly float[] _sum = new float[c];
    private readonly float[] _squares = new float[c];
    private readonly float[] _mean = new float[c];
    private readonly float[] _inverseStd = new float[c];
    private readonly float[] _scale = new float[c];
    private readonly float[] _shift = new float[c];
    private readonly float[] _row = new float[c];
    private readonly float[] _sumDy = new float[c];
    private readonly float[] _sumDyXHat = new float[c];

    public void Infer(ReadOnlySpan<float> x, ReadOnlySpan<float> scale, ReadOnlySpan<float> shift, Span<float> y)
    {
        for (int r = 0; r < n; r++)
        {
            TensorPrimitives.FusedMultiplyAdd(x.Slice(r * c, c), scale, shift, y.Slice(r * c, c));
        }
    }

    public void TrainForward(ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, Span<float> y)
    {
        Array.Clear(_sum);
        Array.Clear(_squares);
        for (int r = 0; r < n; r++)
        {
            ReadOnlySpan<float> row = x.Slice(r * c, c);
            TensorPrimitives.Add(_sum, row, _sum);
            TensorPrimitives.FusedMultiplyAdd(row, row, _squares, _squares);
        }

        TensorPrimitives.Divide(_sum, n, _mean);
        TensorPrimitives.Divide(_squares, n, _squares);
        TensorPrimitives.Multiply(_mean, _mean, _row);
        TensorPrimitives.Subtract(_squares, _row, _squares);
        TensorPrimitives.Add(_squares, epsilon, _squares);
        TensorPrimitives.ReciprocalSqrt(_squares, _inverseStd);
        TensorPrimitives.Multiply(gamma, _inverseStd, _scale);
        TensorPrimitives.Multiply(_mean, _scale, _row);
        TensorPrimitives.Subtract(beta, _row, _shift);
        Infer(x, _scale, _shift, y);
    }

    public void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, ReadOnlySpan<float> gamma, Span<float> dx)
    {
        Array.Clear(_sumDy);
        Array.Clear(_sumDyXHat);
        for (int r = 0; r < n; r++)
        {
            ReadOnlySpan<float> dyRow = dy.Slice(r * c, c);
            TensorPrimitives.Subtract(x.Slice(r * c, c), _mean, _row);
            TensorPrimitives.Multiply(_row, _inverseStd, _row);
            TensorPrimitives.Add(_sumDy, dyRow, _sumDy);
            TensorPrimitives.FusedMultiplyAdd(dyRow, _row, _sumDyXHat, _sumDyXHat);
        }

        TensorPrimitives.Multiply(gamma, _inverseStd, _scale);
        TensorPrimitives.Divide(_scale, n, _scale);
        for (int r = 0; r < n; r++)
        {
            Span<float> dxRow = dx.Slice(r * c, c);
            TensorPrimitives.Subtract(x.Slice(r * c, c), _mean, _row);
            TensorPrimitives.Multiply(_row, _inverseStd, _row);
            TensorPrimitives.Multiply(_row, _sumDyXHat, _row);
            TensorPrimitives.Negate(_row, _row);
            TensorPrimitives.MultiplyAdd(dy.Slice(r * c, c), n, _row, dxRow);
            TensorPrimitives.Subtract(dxRow, _sumDy, dxRow);
            TensorPrimitives.Multiply(dxRow, _scale, dxRow);
        }
    }
}
