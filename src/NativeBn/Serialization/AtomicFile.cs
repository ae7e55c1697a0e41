namespace NativeBn.Serialization;

/// <summary>
/// Writes files atomically: to a temporary file in the same folder, flushed to disk, then renamed over the target. A
/// failure leaves the target as it was and throws an <see cref="IOException"/> that names the target, not the
/// temporary file.
/// </summary>
public static class AtomicFile
{
    /// <summary>Replaces <paramref name="path"/> with <paramref name="content"/>; readers see the old file or the new one, never a mix.</summary>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> content)
    {
        string full = Path.GetFullPath(path);
        string temporary = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            string folder = Path.GetDirectoryName(full)!;
            string reason = !Directory.Exists(folder) ? $"the folder {folder} does not exist"
                : e is UnauthorizedAccessException ? "permission denied"
                : e.Message.Replace(temporary, full, StringComparison.Ordinal);
            throw new IOException($"Cannot write {path}: {reason}.", e);
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
    }
}
