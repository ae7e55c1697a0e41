using System.Net.Http.Headers;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace NativeBn.Service.Tests;

/// <summary>Requests and response parsing the tests share.</summary>
internal static class Http
{
    public static HttpContent Json(float[] features) =>
        new StringContent(JsonSerializer.Serialize(new { features }), Encoding.UTF8, "application/json");

    public static HttpContent Binary(float[] features)
    {
        var content = new ByteArrayContent(MemoryMarshal.AsBytes(features.AsSpan()).ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return content;
    }

    /// <summary>The outputs, version and hash of a successful JSON or binary prediction.</summary>
    public static async Task<(float[] Outputs, long Version, string Hash)> Prediction(HttpResponseMessage response)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }

        long version = long.Parse(response.Headers.GetValues("Model-Version").Single(), System.Globalization.CultureInfo.InvariantCulture);
        string hash = response.Headers.GetValues("Model-Hash").Single();
        if (response.Content.Headers.ContentType?.MediaType == "application/octet-stream")
        {
            byte[] bytes = await response.Content.ReadAsByteArrayAsync();
            return (MemoryMarshal.Cast<byte, float>(bytes).ToArray(), version, hash);
        }

        using JsonDocument json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        float[] outputs = [.. json.RootElement.GetProperty("outputs").EnumerateArray().Select(e => e.GetSingle())];
        Assert.Equal(version, json.RootElement.GetProperty("version").GetInt64());
        Assert.Equal(hash, json.RootElement.GetProperty("hash").GetString());
        return (outputs, version, hash);
    }
}
