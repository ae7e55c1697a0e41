using System.Runtime.InteropServices;

namespace NativeBn.Mpi;

/// <summary>
/// The C bindings of Open MPI 4.x (libmpi.so.40). Open MPI's predefined handles (MPI_COMM_WORLD, MPI_DOUBLE,
/// MPI_SUM, ...) are the addresses of exported global objects, resolved once with <see cref="NativeLibrary"/>.
/// </summary>
internal static unsafe partial class MpiNative
{
    public const string Library = "libmpi.so.40";
    public const int Success = 0;
    public const int MaxErrorString = 256;

    private static readonly Lazy<Handles> Resolved = new(() =>
    {
        nint library = NativeLibrary.Load(Library);
        return new Handles(
            NativeLibrary.GetExport(library, "ompi_mpi_comm_world"),
            NativeLibrary.GetExport(library, "ompi_mpi_double"),
            NativeLibrary.GetExport(library, "ompi_mpi_byte"),
            NativeLibrary.GetExport(library, "ompi_mpi_op_sum"),
            NativeLibrary.GetExport(library, "ompi_mpi_errors_return"));
    });

    public static Handles Predefined => Resolved.Value;

    [LibraryImport(Library, EntryPoint = "MPI_Initialized")]
    public static partial int Initialized(out int flag);

    [LibraryImport(Library, EntryPoint = "MPI_Finalized")]
    public static partial int Finalized(out int flag);

    [LibraryImport(Library, EntryPoint = "MPI_Init")]
    public static partial int Init(int* argc, byte*** argv);

    [LibraryImport(Library, EntryPoint = "MPI_Finalize")]
    public static partial int Finalize();

    [LibraryImport(Library, EntryPoint = "MPI_Comm_rank")]
    public static partial int CommRank(nint communicator, out int rank);

    [LibraryImport(Library, EntryPoint = "MPI_Comm_size")]
    public static partial int CommSize(nint communicator, out int size);

    [LibraryImport(Library, EntryPoint = "MPI_Comm_set_errhandler")]
    public static partial int CommSetErrhandler(nint communicator, nint handler);

    [LibraryImport(Library, EntryPoint = "MPI_Allgather")]
    public static partial int Allgather(void* send, int sendCount, nint sendType, void* receive, int receiveCount, nint receiveType, nint communicator);

    [LibraryImport(Library, EntryPoint = "MPI_Reduce")]
    public static partial int Reduce(void* send, void* receive, int count, nint type, nint operation, int root, nint communicator);

    [LibraryImport(Library, EntryPoint = "MPI_Bcast")]
    public static partial int Bcast(void* buffer, int count, nint type, int root, nint communicator);

    [LibraryImport(Library, EntryPoint = "MPI_Barrier")]
    public static partial int Barrier(nint communicator);

    [LibraryImport(Library, EntryPoint = "MPI_Abort")]
    public static partial int Abort(nint communicator, int errorCode);

    [LibraryImport(Library, EntryPoint = "MPI_Error_string")]
    public static partial int ErrorString(int code, byte* text, out int length);

    /// <summary>Throws <see cref="MpiException"/> with Open MPI's message unless <paramref name="code"/> is success.</summary>
    public static void Check(int code, string call)
    {
        if (code != Success)
        {
            throw new MpiException(code, call, Describe(code));
        }
    }

    private static string Describe(int code)
    {
        byte* text = stackalloc byte[MaxErrorString + 1];
        return ErrorString(code, text, out int length) == Success
            ? Marshal.PtrToStringUTF8((nint)text, Math.Clamp(length, 0, MaxErrorString))
            : $"MPI error {code}";
    }

    /// <summary>Addresses of Open MPI's predefined objects.</summary>
    public readonly record struct Handles(nint CommWorld, nint Double, nint Byte, nint Sum, nint ErrorsReturn);
}
