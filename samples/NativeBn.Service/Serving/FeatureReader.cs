using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace NativeBn.Service.Serving;

/// <summary>
/// Reads a prediction body into a feature buffer without allocating: JSON <c>{"features":[...]}</c> (other properties
/// are ignored) or little-endian float32 values. Every feature must be a finite float32: JSON numbers beyond
/// float32's range, and NaN or infinity in a binary body, are refused. Errors throw <see cref="ProblemException"/> 400.
/// </summary>
internal static class FeatureReader
{
    private static ReadOnlySpan<byte> FeaturesName => "features"u8;

    public static void ReadJson(ReadOnlySpan<byte> body, Span<float> features, string model)
    {
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 8 });
        int count = -1;
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw Problems.BadFeatures("The JSON body must be an object: {\"features\":[...]}.");
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (!reader.ValueTextEquals(FeaturesName))
                {
                    reader.Read();
                    reader.Skip();
                    continue;
                }

                if (count >= 0)
                {
                    throw Problems.BadFeatures("The JSON body has 'features' more than once.");
                }

                count = ReadArray(ref reader, features);
            }

            // The reader throws JsonException on anything after the object, or on an unfinished one.
            while (reader.Read())
            {
            }
        }
        catch (JsonException e)
        {
            throw Problems.BadFeatures($"The body is not valid JSON: {e.Message}");
        }

        if (count < 0)
        {
            throw Problems.BadFeatures("The JSON body has no 'features' array: expected {\"features\":[...]}.");
        }

        if (count != features.Length)
        {
            throw Problems.WrongCount(model, features.Length, count);
        }
    }

    public static void ReadBinary(ReadOnlySpan<byte> body, Span<float> features, string model)
    {
        if (body.Length % sizeof(float) != 0)
        {
            throw Problems.BadFeatures($"The binary body has {body.Length} bytes, not a multiple of 4 (little-endian float32 features).");
        }

        if (body.Length / sizeof(float) != features.Length)
        {
            throw Problems.WrongCount(model, features.Length, body.Length / sizeof(float));
        }

        body.CopyTo(MemoryMarshal.AsBytes(features));
        if (!BitConverter.IsLittleEndian)
        {
            BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<float, int>(features), MemoryMarshal.Cast<float, int>(features));
        }

        for (int i = 0; i < features.Length; i++)
        {
            if (!float.IsFinite(features[i]))
            {
                throw Problems.BadFeatures($"Feature {i} is {features[i]}; features must be finite.");
            }
        }
    }

    private static int ReadArray(ref Utf8JsonReader reader, Span<float> features)
    {
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
        {
            throw Problems.BadFeatures($"'features' must be an array of numbers; it is {reader.TokenType}.");
        }

        int count = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.Number)
            {
                throw Problems.BadFeatures($"Feature {count} is {reader.TokenType}; features must be numbers.");
            }

            if (!reader.TryGetSingle(out float value) || !float.IsFinite(value))
            {
                throw Problems.BadFeatures($"Feature {count} does not fit a finite float32.");
            }

            if (count < features.Length)
            {
                features[count] = value;
            }

            count++;
        }

        return count;
    }
}
