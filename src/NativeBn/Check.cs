using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace NativeBn;

/// <summary>
/// Argument checks with messages that name the argument and give the expected and actual values. The checks are
/// small enough to inline into hot paths; building a message happens only in the throw helpers.
/// </summary>
internal static class Check
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Shape(in TensorShape shape, int channels, string name)
    {
        if (shape.Channels != channels || shape.Batch <= 0 || shape.Height <= 0 || shape.Width <= 0)
        {
            ThrowShape(shape, channels, name);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Length(int actual, long expected, string name, in TensorShape shape)
    {
        if (actual != expected)
        {
            ThrowLength(actual, expected, name, shape);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Length(int actual, long expected, string name, string what)
    {
        if (actual != expected)
        {
            ThrowLength(actual, expected, name, what);
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

    [DoesNotReturn]
    private static void ThrowShape(in TensorShape shape, int channels, string name)
    {
        shape.EnsureValid(name);
        throw new ArgumentException($"{name} has {shape.Channels} channels ({shape}); this layer has {channels}.", name);
    }

    [DoesNotReturn]
    private static void ThrowLength(int actual, long expected, string name, in TensorShape shape) =>
        throw new ArgumentException($"{name} has {actual} values; shape {shape} needs {expected}.", name);

    [DoesNotReturn]
    private static void ThrowLength(int actual, long expected, string name, string what) =>
        throw new ArgumentException($"{name} has {actual} values; expected {expected} ({what}).", name);
}
