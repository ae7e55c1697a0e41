using System.Runtime.InteropServices;
using System.Text;

namespace NativeBn.Native;

/// <summary>The message of the calling thread's last failed call, kept as a NUL-terminated UTF-8 string in native memory.</summary>
internal static unsafe class LastError
{
    [ThreadStatic]
    private static byte* t_message;

    public static byte* Pointer => t_message;

    public static ErrorCode Set(ErrorCode code, string message)
    {
        Clear();
        byte[] utf8 = Encoding.UTF8.GetBytes(message);
        t_message = (byte*)NativeMemory.Alloc((nuint)utf8.Length + 1);
        utf8.AsSpan().CopyTo(new Span<byte>(t_message, utf8.Length));
        t_message[utf8.Length] = 0;
        return code;
    }

    public static void Clear()
    {
        if (t_message is not null)
        {
            NativeMemory.Free(t_message);
            t_message = null;
        }
    }

    /// <summary>Maps an exception to an error code and records its message.</summary>
    public static int From(Exception e) => (int)(e switch
    {
        Data.DataFormatException => Set(ErrorCode.File, e.Message),
        ArgumentException => Set(ErrorCode.InvalidArgument, e.Message),
        _ => Set(ErrorCode.Internal, $"{e.GetType().Name}: {e.Message}"),
    });
}
