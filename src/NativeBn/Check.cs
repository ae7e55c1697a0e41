namespace NativeBn;

/// <summary>Argument checks with messages that name the argument and give the expected and actual values.</summary>
internal static class Check
{
    public static void Shape(TensorShape shape, int channels, string name)
    {
        shape.EnsureValid(name);
        if (shape.Channels != channels)
        {
            throw new ArgumentException($"{name} has {shape.Channels} channels ({shape}); this layer has {channels}.", name);
        }
    }

    public static void Length(int actual, long expected, string name, TensorShape shape)
    {
        if (actual != expected)
        {
            throw new ArgumentException($"{name} has {actual} values; shape {shape} needs {expected}.", name);
        }
    }

    public static void Length(int actual, int expected, string name, string what)
    {
        if (actual != expected)
        {
            throw new ArgumentException($"{name} has {actual} values; expected {expected} ({what}).", name);
        }
    }

    public static void Channels(int channels, string name)
    {
        if (channels <= 0)
        {
            throw new ArgumentOutOfRangeException(name, channels, $"{name} must be at least 1, got {channels}.");
        }
    }

    public static void Finite(ReadOnlySpan<float> values, string name)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                throw new ArgumentException($"{name}[{i}] is {values[i]}; every value must be finite.", name);
            }
        }
    }

    public static void Finite(ReadOnlySpan<double> values, string name)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!double.IsFinite(values[i]))
            {
                throw new ArgumentException($"{name}[{i}] is {values[i]}; every value must be finite.", name);
            }
        }
    }

    public static void NonNegativeFinite(ReadOnlySpan<double> values, string name)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!(values[i] >= 0) || double.IsInfinity(values[i]))
            {
                throw new ArgumentException($"{name}[{i}] is {values[i]}; a variance must be finite and at least 0.", name);
            }
        }
    }
}
