using System.Buffers;
using Microsoft.AspNetCore.Http.Features;

namespace NativeBn.Service.Serving;

/// <summary>Reads a request body into a buffer rented from <see cref="ArrayPool{T}.Shared"/>, refusing more than a limit.</summary>
internal static class RequestBody
{
    /// <summary>
    /// Reads the whole body; the caller returns the buffer to the pool. Throws <see cref="ProblemException"/> 413 when the
    /// declared or actual length passes <paramref name="limit"/>, and 400 when the server cannot read the body (a
    /// malformed chunked encoding, an aborted upload).
    /// </summary>
    public static async ValueTask<(byte[] Buffer, int Length)> ReadAsync(HttpContext context, string model, int limit)
    {
        long? declared = context.Request.ContentLength;
        if (declared > limit)
        {
            throw Problems.TooLarge(model, declared.Value, limit);
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            // One byte more than the limit, so that a longer body is seen here (413) before the server's own limit.
            sizeFeature.MaxRequestBodySize = limit + 1L;
        }

        byte[] buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min((declared ?? 4096) + 1, limit + 1L));
        int length = 0;
        try
        {
            while (true)
            {
                int capacity = (int)Math.Min(buffer.Length, limit + 1L);
                if (length == capacity)
                {
                    if (length > limit)
                    {
                        throw Problems.TooLarge(model, -1, limit);
                    }

                    byte[] larger = ArrayPool<byte>.Shared.Rent((int)Math.Min(2L * buffer.Length, limit + 1L));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                    continue;
                }

                int read = await context.Request.Body.ReadAsync(buffer.AsMemory(length, capacity - length), context.RequestAborted);
                if (read == 0)
                {
                    break;
                }

                length += read;
            }
        }
        catch (BadHttpRequestException e)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw new ProblemException(e.StatusCode, e.StatusCode == StatusCodes.Status413PayloadTooLarge ? "Request body too large" : "Unreadable request body", e.Message);
        }
        catch (ProblemException)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }

        return (buffer, length);
    }
}
