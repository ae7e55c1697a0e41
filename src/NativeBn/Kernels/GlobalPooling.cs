namespace NativeBn.Kernels;

/// <summary>Global average pooling of one sample <c>[C, positions]</c>: each channel's mean, summed in double in order.</summary>
internal static class GlobalPooling
{
    public static void Average(ReadOnlySpan<float> x, int channels, int positions, Span<float> y)
    {
        for (int c = 0; c < channels; c++)
        {
            double sum = 0;
            foreach (float value in x.Slice(c * positions, positions))
            {
                sum += value;
            }

            y[c] = (float)(sum / positions);
        }
    }
}
